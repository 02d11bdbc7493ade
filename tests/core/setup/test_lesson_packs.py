"""Lesson packs: a valid pack reads back as written; every kind of bad pack is refused with a message naming
the file, the lesson and the key (never a traceback, never code run); fuzzed packs give clean errors only."""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convscope.core.setup.lesson_packs import (
    BUILTIN,
    CHECK_KEYS,
    CONFIG_KEYS,
    LESSON_KEYS,
    MAX_BYTES,
    PackError,
    parse_pack,
    read_lesson,
    read_pack,
    split_spec,
)

GOOD = '''
format = 1
title = "Class 3"

[[lesson]]
id = "lr-big"
title = "A large learning rate"
text = "Too large a step."
question = "What happens?"
view = "lossPlot"
pair = "lr-small"

[lesson.config]
arch = "lenet"
dataset = "mnist-sample"
lr = 1.0
epochs = 2

[[lesson.prediction]]
choice = "It learns"

[[lesson.prediction]]
choice = "It stays at chance"
choice_zh = "停在随机猜测水平"
correct = true

[[lesson.check]]
what = "test_accuracy"
max = 0.2
say = "Stuck near 10 %."

[[lesson.check]]
what = "epochs_to"
target = 0.5
at = 2
is = 1
say = "Never mind."

[[lesson.check]]
what = "layer.dead"
layer = "act1"
min = 0.0
max = 1.0
say = "Some ReLUs die."

[[lesson.check]]
what = "train_loss"
compare = "pair"
min = 0.0
say = "Higher than the small step's."

[[lesson]]
id = "lr-small"
title = "A small learning rate"
text = "A small step."
question = "And now?"
view = "accuracyPlot"
pair = "lr-big"

[lesson.config]
arch = "lenet"
dataset = "mnist-sample"
lr = 0.01
epochs = 2
'''


def bad(text: str, *, key: str | None, lesson: str | None = "lr-big", name: str = "class.toml") -> PackError:
    with pytest.raises(PackError) as info:
        parse_pack(text, name)
    err = info.value
    assert err.file == name and err.key == key and err.lesson == lesson, str(err)
    assert str(err).startswith(name) and "\n" not in str(err)
    return err


def test_a_good_pack_reads_back_as_written():
    pack = parse_pack(GOOD, "class.toml")
    assert pack.title == "Class 3" and [le.id for le in pack.lessons] == ["lr-big", "lr-small"]
    big = pack.lesson("lr-big")
    assert big.config == {"arch": "lenet", "dataset": "mnist-sample", "lr": 1.0, "epochs": 2}
    assert [p.correct for p in big.predictions] == [False, True] and big.predictions[1].choice_zh
    what = [(c.what, c.at, c.expected()) for c in big.checks]
    assert what == [("test_accuracy", "final", {"max": 0.2}), ("epochs_to", 2, {"is": 1}),
                    ("layer.dead", "final", {"min": 0.0, "max": 1.0}), ("train_loss", "final", {"min": 0.0})]
    assert big.checks[1].target == 0.5 and big.checks[2].layer == "act1" and big.checks[3].compare == "pair"
    part = big.lesson_part()  # what the window's lesson card and the presets list read
    assert part["view"] == "lossPlot" and part["pair"] == "lr-small" and len(part["checks"]) == 4


def test_the_builtin_pack_reads_and_every_lesson_has_checks():
    pack = read_pack(BUILTIN)
    assert len(pack.lessons) >= 12 and all(lesson.checks for lesson in pack.lessons)
    _, lesson = read_lesson("builtin:lesson-lr-too-large")
    assert lesson.config["lr"] == 1.0 and {c.what for c in lesson.checks} == {"test_accuracy", "train_loss"}


def test_pack_and_lesson_names(tmp_path):
    path = tmp_path / "a:b.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert split_spec(str(path)) == (str(path), None)  # a file whose name holds ':' is the whole pack
    assert split_spec(f"{path}:lr-small") == (str(path), "lr-small")
    assert split_spec("builtin") == ("builtin", None) and split_spec("x.toml") == ("x.toml", None)
    with pytest.raises(PackError, match="no lesson 'nope'.*lr-big, lr-small"):
        read_lesson(f"{path}:nope")


@pytest.mark.parametrize("change, key, lesson, words", [
    (("format = 1", "format = 2"), "format", None, "newer ConvScope"),
    (("format = 1", "format = \"1\""), "format", None, "whole number"),
    (("format = 1\n", ""), "format", None, "no pack format"),
    (('title = "Class 3"', 'colour = "red"'), "colour", None, "unknown key"),
    (('view = "lossPlot"', 'view = "lossPlot"\nscript = "rm -rf /"'), "lesson.script", "lr-big", "unknown key"),
    (('view = "lossPlot"', 'view = "nowhere"'), "view", "lr-big", "unknown view"),
    (('arch = "lenet"\ndataset = "mnist-sample"\nlr = 1.0', 'arch = "lenet9"\ndataset = "mnist-sample"\nlr = 1.0'),
     "config.arch", "lr-big", "lenet9"),
    (('dataset = "mnist-sample"\nlr = 1.0', 'dataset = "svhn"\nlr = 1.0'), "config.dataset", "lr-big", "svhn"),
    (("lr = 1.0", "lr = \"fast\""), "config.lr", "lr-big", "must be a number"),
    (("lr = 1.0", "lr = -1.0"), "config.lr", "lr-big", "learning rate"),
    (("lr = 1.0", "lr = 1.0\nepochs_max = 3"), "config.epochs_max", "lr-big", "unknown setting"),
    (("lr = 1.0", "lr = 1.0\ndata_root = \"/etc\""), "config.data_root", "lr-big", "unknown setting"),
    (("epochs = 2\n\n[[lesson.prediction]]", "epochs = true\n\n[[lesson.prediction]]"), "config.epochs", "lr-big",
     "whole number"),
    (('what = "test_accuracy"', 'what = "happiness"'), "check.what", "lr-big", "no run quantity"),
    (('what = "test_accuracy"', 'what = "__import__(\'os\')"'), "check.what", "lr-big", "no run quantity"),
    (("max = 0.2", "max = \"0.2\""), "check.max", "lr-big", "must be a number"),
    (("max = 0.2", "is = 0.1\nmax = 0.2"), "check.is", "lr-big", "one of is, min or max"),
    (("max = 0.2\n", ""), "check.is", "lr-big", "one of is, min or max"),
    (("at = 2", "at = 9"), "check.at", "lr-big", "after the lesson's last"),
    (("at = 2", "at = \"last\""), "check.at", "lr-big", "final"),
    (('layer = "act1"', 'layer = "conv9"'), "check.layer", "lr-big", "no layer 'conv9'"),
    (('layer = "act1"\n', ""), "check.layer", "lr-big", "names its layer"),
    (("target = 0.5", "target = 5"), "check.target", "lr-big", "accuracy in (0, 1]"),
    (('say = "Stuck near 10 %."', 'say = 3'), "check.say", "lr-big", "must be text"),
    (('say = "Stuck near 10 %."\n', ''), "check.say", "lr-big", "required"),
    (('compare = "pair"', 'compare = "lr-small"'), "check.compare", "lr-big", "pair"),
    (('pair = "lr-small"', 'pair = "lr-tiny"'), "pair", "lr-big", "no other lesson"),
    (("correct = true", "correct = \"yes\""), "prediction.correct", "lr-big", "true or false"),
    (("correct = true\n", ""), "prediction.correct", "lr-big", "correct = true"),
    (('id = "lr-small"', 'id = "lr-big"'), "id", "lr-big", "two lessons"),
    (('question = "What happens?"\n', ''), "question", "lr-big", "required"),
])
def test_a_bad_pack_is_refused_naming_file_lesson_and_key(change, key, lesson, words):
    old, new = change
    assert old in GOOD
    err = bad(GOOD.replace(old, new, 1), key=key, lesson=lesson)
    assert words in str(err)


NETWORK_CHECKS = '''
[[lesson.check]]
what = "params"
compare = "pair"
max = -1000
say = "Fewer parameters."

[[lesson.check]]
what = "layer.field"
layer = "incep2"
is = 0
compare = "pair"
say = "The same field."
'''
FACTORISED = GOOD.replace('arch = "lenet"\ndataset = "mnist-sample"\nlr = 1.0',
                          'arch = "inception-net"\ndataset = "mnist-sample"\nfactorize = true\nlr = 1.0', 1) \
    .replace('[[lesson.check]]\nwhat = "layer.dead"\nlayer = "act1"', NETWORK_CHECKS + '[[lesson.check]]\nwhat = '
             '"layer.dead"\nlayer = "incep1.branch1x1"', 1)


def test_checks_on_the_network_and_the_factorize_switch():
    """``params`` and ``layer.field`` (any module with a field, not only a leaf: an Inception block)."""
    big = parse_pack(FACTORISED, "class.toml").lesson("lr-big")
    assert big.config["factorize"] is True
    assert [(c.what, c.layer, c.compare, c.expected()) for c in big.checks[2:4]] == [
        ("params", None, "pair", {"max": -1000}), ("layer.field", "incep2", "pair", {"is": 0})]
    assert parse_pack(FACTORISED.replace('layer = "incep2"', 'layer = "incep1.branch5x5_2.conv1xn"'))


@pytest.mark.parametrize("change, key, words", [
    (("factorize = true", 'factorize = "yes"'), "config.factorize", "true or false"),
    (('arch = "inception-net"', 'arch = "nin"'), "config.factorize", "nin has no \'factorize\' option"),
    (('layer = "incep2"', 'layer = "incep3"'), "check.layer", "no layer \'incep3\'"),
    (('layer = "incep2"\n', ""), "check.layer", "names its layer"),
    (('what = "params"', 'what = "params"\nlayer = "incep1"'), "check.layer", "no other check takes one"),
    (('what = "params"', 'what = "params"\nat = 1'), "check.at", "measured at the end of the run"),
    (('what = "layer.field"', 'what = "layer.field"\nat = "best"'), "check.at", "measured at the end"),
])
def test_bad_network_checks_are_refused(change, key, words):
    old, new = change
    assert old in FACTORISED
    err = bad(FACTORISED.replace(old, new, 1), key=key, lesson="lr-big")
    assert words in str(err)


def test_a_bad_lesson_id_and_bad_toml_are_refused():
    err = bad(GOOD.replace('id = "lr-big"', 'id = "../../etc"'), key="id", lesson=None)
    assert "lesson 1" in str(err)
    err = bad("format = 1\n[[lesson]\n", key=None, lesson=None)
    assert "not valid TOML" in str(err)
    bad("format = 1\n", key="lesson", lesson=None)
    bad("[" * 5000, key=None, lesson=None)


def test_files_that_are_not_packs_are_refused(tmp_path):
    big = tmp_path / "big.toml"
    with open(big, "wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: no time or disk spent
    with pytest.raises(PackError, match="big.toml: not read.*at most 1 MB"):
        read_pack(big)
    with pytest.raises(PackError, match="no such file"):
        read_pack(tmp_path / "missing.toml")
    with pytest.raises(PackError, match="not read"):
        read_pack(tmp_path)  # a folder
    latin = tmp_path / "latin.toml"
    latin.write_bytes(GOOD.replace("停在随机猜测水平", "caf\xe9").encode("latin-1"))
    with pytest.raises(PackError, match="not UTF-8"):
        read_pack(latin)


# ----------------------------------------------------------------------------------------- fuzzing
def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else
                                                         "inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "[" + ", ".join(_toml(v) for v in value) + "]"


scalars = st.one_of(st.booleans(), st.integers(-3, 300), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from(["lenet", "mnist-sample", "lossPlot", "final", "best", "pair", "act1", "x",
                                     "test_accuracy", "layer.dead", "epochs_to", "status", "completed", ""]),
                    st.text(max_size=5))
values = st.one_of(scalars, st.lists(scalars, max_size=3))
some_keys = lambda names: st.dictionaries(st.sampled_from(names + ("extra",)), values, max_size=len(names))  # noqa: E731


@st.composite
def packs(draw) -> str:
    """A pack's text: the pack's keys, lessons of known and unknown keys with config, predictions and
    checks, each value of any type."""
    lines = [f"format = {_toml(draw(st.sampled_from([1, 1, 1, 2, 0, '1', 1.0])))}"]
    for _ in range(draw(st.integers(0, 3))):
        lines.append("[[lesson]]")
        lesson = draw(some_keys(tuple(k for k in LESSON_KEYS if k not in ("config", "prediction", "check"))))
        if draw(st.booleans()):
            lesson.setdefault("id", draw(st.sampled_from(["a", "b", "a b"])))
        lines += [f'"{k}" = {_toml(v)}' for k, v in lesson.items()]
        if draw(st.booleans()):
            lines.append("[lesson.config]")
            config = draw(some_keys(CONFIG_KEYS[:10]))
            lines += [f'"{k}" = {_toml(v)}' for k, v in config.items()]
        for table, names in (("prediction", ("choice", "choice_zh", "correct")), ("check", CHECK_KEYS)):
            for _ in range(draw(st.integers(0, 2))):
                lines.append(f"[[lesson.{table}]]")
                lines += [f'"{k}" = {_toml(v)}' for k, v in draw(some_keys(names)).items()]
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packs())
def test_fuzzed_packs_read_or_give_a_clean_message(text):
    try:
        pack = parse_pack(text, "fuzz.toml", validate=True)
    except PackError as exc:
        assert str(exc).startswith("fuzz.toml") and "\n" not in str(exc)
    else:
        assert pack.lessons  # what reads is a pack of lessons


def test_a_key_with_a_line_break_is_named_on_one_line():
    err = bad(GOOD.replace('title = "Class 3"', '"col\\nour" = 1'), key="col\nour", lesson=None)
    assert "key 'col\\\\nour'" in str(err)
