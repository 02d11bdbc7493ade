"""The figures derived from a per-example record: first learned, forgetting events, orders."""
import numpy as np
import pytest

from convscope.core.insight.examples import (
    RIGHT as R,
)
from convscope.core.insight.examples import (
    UNSEEN as U,
)
from convscope.core.insight.examples import (
    WRONG as W,
)
from convscope.core.insight.examples import (
    ExampleRecord,
    dynamics,
    right_in_one_never_in_other,
)

# five examples over five epochs (rows: epochs)
HISTORY = np.array([
    # 0  1  2  3  4
    [W, R, W, R, W],
    [R, W, W, R, W],
    [R, R, W, R, U],  # example 4 unseen in epoch 3
    [W, W, W, R, R],
    [R, U, W, R, W],  # example 1 unseen: its epoch-4 wrong stays the last seen
], dtype=np.uint8)


def record(history=HISTORY, loss=(0.1, 0.9, 2.5, 0.01, 1.2)):
    e = history.shape[0]
    return ExampleRecord(np.array([0, 1, 1, 0, 2]), np.array([0, 1]), history,
                         np.array([[R, W]] * e, dtype=np.uint8), np.full((e, 2), 0.5, np.float16),
                         np.array(loss, dtype=np.float32))


def test_first_learned_forgetting_never_and_unforgettable():
    d = dynamics(record())
    assert d.first_learned.tolist() == [2, 1, 0, 1, 4]
    # 0: R→W (ep 3→4); 1: R→W (1→2), R→W (3→4), unseen at 5; 2: never; 3: never forgotten; 4: R→W (4→5)
    assert d.forgotten.tolist() == [1, 2, 0, 0, 1]
    assert d.never_learned.tolist() == [False, False, True, False, False]
    assert d.unforgettable.tolist() == [False, False, False, True, False]
    assert d.summary() == {"never_learned": 1, "forgotten_once": 3, "unforgettable": 1}
    assert d.first_learned_counts().tolist() == [2, 1, 0, 1, 0]
    assert d.forgotten_share_by_class(3).tolist() == [0.5, 0.5, 1.0]


def test_the_orders():
    d = dynamics(record())
    assert d.order(None).tolist() == [0, 1, 2, 3, 4]
    assert d.order("forgotten").tolist() == [1, 0, 4, 2, 3]
    assert d.order("never").tolist() == [2, 4, 1, 0, 3]  # never learned first, then the highest last loss
    assert d.order("late").tolist() == [4, 0, 1, 3, 2]  # learned last first, never learned at the end
    with pytest.raises(ValueError, match="unknown order"):
        d.order("random")


def test_an_entry_as_the_command_line_gives_it():
    d = dynamics(record())
    assert d.entry(1) == {"index": 1, "label": 1, "first_learned": 1, "forgotten": 2,
                          "history": [1, 0, 1, 0, None], "last_loss": pytest.approx(0.9)}
    t = dynamics(record(), "test")
    assert t.entry(1)["first_learned"] is None and t.entry(1)["last_loss"] is None
    assert t.entry(0)["confidence"] == 0.5


def test_flips_count_both_ways():
    d = dynamics(record())
    assert d.flips.tolist() == [3, 3, 0, 0, 2]


def test_right_in_one_never_in_the_other():
    a = dynamics(record())
    never = np.array([[W, W, R, W, W]] * 5, dtype=np.uint8)
    b = dynamics(record(never))
    # a's last epoch: right on 0 and 3; b never right on 0, 1, 3, 4
    assert right_in_one_never_in_other(a, b).tolist() == [3, 0]  # 3 learned first (epoch 1), then 0 (2)
    assert right_in_one_never_in_other(b, a).tolist() == [2]  # b right on 2 at the end, a never


def test_an_empty_record():
    rec = ExampleRecord(np.zeros(3, np.int64), np.zeros(0, np.int64), np.zeros((0, 3), np.uint8),
                        np.zeros((0, 0), np.uint8), np.zeros((0, 0), np.float16), np.full(3, np.nan, np.float32))
    d = dynamics(rec)
    assert d.summary() == {"never_learned": 3, "forgotten_once": 0, "unforgettable": 0}
    assert d.first_learned_counts().tolist() == []
    assert dynamics(rec, "test").summary()["never_learned"] == 0
