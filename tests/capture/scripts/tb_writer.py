"""A loop that logs to TensorBoard with torch's own SummaryWriter."""

from common import args, epochs
from torch.utils.tensorboard import SummaryWriter

opts = args()
writer = SummaryWriter(opts.out)
for epoch, loss, acc in epochs(opts):
    writer.add_scalar("train/loss", loss, epoch)
    writer.add_scalar("val/acc", acc, epoch)
    writer.flush()
writer.close()
