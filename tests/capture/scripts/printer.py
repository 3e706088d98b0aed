"""A loop that prints its metrics, in the default `key: value` style or a format of its own."""

from common import args, epochs

opts = args(["--style"])
for epoch, loss, acc in epochs(opts):
    if opts.style == "custom":
        print(f"[ep {epoch}] top1 = {acc:.2f} | loss {loss:.4f}")
    else:
        print(f"epoch: {epoch}  loss: {loss:.4f}  val_acc: {acc:.2f}")
