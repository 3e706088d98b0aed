"""fertui.metrics: the one rule for a metric's direction."""

import math

import pytest

from fertui.metrics import (
    DEFAULT_OBJECTIVE,
    Direction,
    Objective,
    best_of,
    direction_of,
    is_better,
    name_direction,
    parse_direction,
    rank_key,
)


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("val/acc", Direction.MAXIMIZE),
        ("train/loss", Direction.MINIMIZE),
        ("val/err", Direction.MINIMIZE),
        ("val_loss_epoch", Direction.MINIMIZE),
        ("eval_loss", Direction.MINIMIZE),
        ("val/f1", Direction.MAXIMIZE),
        ("perf/img_per_s", Direction.MAXIMIZE),
        ("closs_weight/acc", Direction.MAXIMIZE),  # only the last segment's whole words count
    ],
)
def test_name_rule(metric, expected):
    assert name_direction(metric) is expected


def test_objective_direction_wins_over_name_and_override():
    objective = Objective("val/loss", Direction.MAXIMIZE)  # odd, but the sweep said so
    assert direction_of("val/loss", objective) is Direction.MAXIMIZE
    assert direction_of("train/loss", objective) is Direction.MINIMIZE
    assert direction_of("val/acc", None, {"val/acc": "min"}) is Direction.MINIMIZE


def test_objective_of_stored_fields():
    assert Objective.of(None) == Objective(DEFAULT_OBJECTIVE, Direction.MAXIMIZE)
    assert Objective.of("val/err").direction is Direction.MINIMIZE
    assert Objective.of("val/err", "maximize").maximize
    with pytest.raises(ValueError, match="maximize"):
        parse_direction("up")


def test_best_and_ranking_skip_non_finite():
    assert best_of([0.5, 0.2, 0.3], Direction.MINIMIZE) == 0.2
    assert best_of([0.5, math.nan, 0.3], Direction.MAXIMIZE) == 0.5
    assert best_of([], Direction.MAXIMIZE) is None
    assert not is_better(math.inf, 1.0, Direction.MAXIMIZE)
    assert sorted([0.2, None, 0.9, math.nan], key=rank_key(Direction.MAXIMIZE))[:2] == [0.9, 0.2]
