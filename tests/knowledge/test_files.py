"""Reading a model directory that may be hostile: sizes, aliases, depth, file types, links.

Each test breaks one file of the tiny model (or of a copy of the bundled one)
and checks that loading refuses it at once, with a message that names the file.
"""

from __future__ import annotations

import copy
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, tiny_files, write_kb

from ddx.errors import KnowledgeBaseError
from ddx.knowledge.files import MAX_FILE_BYTES, MAX_NESTING, read_yaml
from ddx.knowledge.load import load_knowledge

#: Loading a refused file must not take long: it is refused before it is expanded.
QUICK_SECONDS = 5.0


def _tiny(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "model_dir", copy.deepcopy(tiny_files()))


def _refused(root: Path, pattern: str) -> KnowledgeBaseError:
    start = time.perf_counter()
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(root)
    elapsed = time.perf_counter() - start
    assert info.match(pattern), str(info.value)[:2000]
    assert elapsed < QUICK_SECONDS, f"refusing took {elapsed:.1f} s"
    assert len(str(info.value)) < 5000, "the message must stay short"
    return info.value


def _laughs(first: str, levels: int = 9) -> str:
    """A flow list of ``levels`` nested aliases, nine wide: 9**levels copies of ``first``, under 1 KB."""
    items = [f"&l0 [{', '.join([first] * 9)}]"]
    items += [f"&l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "[" + ", ".join(items) + "]"


def test_alias_bomb_in_a_rule_condition_is_refused_quickly(tmp_path):
    root = _tiny(tmp_path)
    bomb = _laughs("red_flag")
    assert len(bomb) < 1024
    text = (root / "model/rules.yaml").read_text()
    (root / "model/rules.yaml").write_text(text.replace("when: red_flag\n", f"when: {{any: {bomb}}}\n", 1))
    assert bomb in (root / "model/rules.yaml").read_text()
    _refused(root, r"model/rules.yaml: line \d+, column \d+: anchors and aliases .* are not allowed")


def test_alias_bomb_in_states_is_refused_quickly(tmp_path):
    root = _tiny(tmp_path)
    text = (root / "model/nodes.yaml").read_text()
    (root / "model/nodes.yaml").write_text(
        text.replace("    states:\n    - male\n    - female\n", f"    states: {_laughs('male')}\n", 1)
    )
    assert "&l8" in (root / "model/nodes.yaml").read_text()
    _refused(root, r"model/nodes.yaml: line \d+, column \d+: anchors and aliases")


def test_a_plain_anchor_is_refused_too(tmp_path):
    root = _tiny(tmp_path)
    (root / "priors/leaks.yaml").write_text((root / "priors/leaks.yaml").read_text().replace("f1:\n", "f1: &leak\n", 1))
    _refused(root, r"priors/leaks.yaml: line 1, column 5: anchors and aliases \(&name, \*name\) are not allowed")


def test_the_bundled_model_uses_no_anchors_or_aliases():
    for path in [*(REPO / "model").glob("*.yaml"), *(REPO / "priors").rglob("*.yaml")]:
        data, problems = read_yaml(path, root=REPO)
        assert problems == [], (path, problems)
        assert data is not None


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_a_card_linked_to_dev_zero_is_refused(tmp_path):
    root = _tiny(tmp_path)
    card = root / "priors/causes/cause_a.yaml"
    card.unlink()
    card.symlink_to("/dev/zero")
    _refused(root, r"priors/causes/cause_a.yaml: leads to '/dev/zero' through a symbolic link, outside the model")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_card_is_refused_without_opening_it(tmp_path):
    root = _tiny(tmp_path)
    card = root / "priors/causes/cause_a.yaml"
    card.unlink()
    os.mkfifo(card)
    _refused(root, r"priors/causes/cause_a.yaml: is a FIFO \(named pipe\), not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_link_to_a_fifo_inside_the_directory_is_refused(tmp_path):
    root = _tiny(tmp_path)
    os.mkfifo(root / "priors/pipe")
    card = root / "priors/causes/cause_a.yaml"
    card.unlink()
    card.symlink_to("../pipe")
    _refused(root, r"priors/causes/cause_a.yaml: is a FIFO \(named pipe\), not a regular file")


def test_a_directory_named_like_a_card_is_refused(tmp_path):
    root = _tiny(tmp_path)
    (root / "priors/causes/cause_d.yaml").mkdir()
    _refused(root, r"priors/causes/cause_d.yaml: is a directory, not a regular file")


def test_a_symlink_out_of_the_model_directory_is_refused(tmp_path):
    root = _tiny(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    card = root / "priors/causes/cause_a.yaml"
    secret = outside / "secret.yaml"
    secret.write_text(card.read_text().replace("cause: cause_a", "cause: secret_key_material"))
    card.unlink()
    card.symlink_to(secret)
    error = _refused(root, r"priors/causes/cause_a.yaml: leads to '.*secret.yaml' through a symbolic link, outside")
    assert "secret_key_material" not in str(error)


def test_a_symlinked_folder_out_of_the_model_directory_is_refused(tmp_path):
    root = _tiny(tmp_path)
    outside = tmp_path / "elsewhere"
    shutil.move(str(root / "priors/causes"), str(outside))
    (root / "priors/causes").symlink_to(outside)
    _refused(root, r"priors/causes/cause_a.yaml: leads to '.*elsewhere/cause_a.yaml' through a symbolic link, outside")


def test_a_symlink_inside_the_model_directory_is_followed(tmp_path):
    root = _tiny(tmp_path)
    card = root / "priors/causes/cause_a.yaml"
    (root / "shared").mkdir()
    shutil.move(str(card), str(root / "shared/cause_a.yaml"))
    card.symlink_to("../../shared/cause_a.yaml")
    assert load_knowledge(root).causes == ("cause_a", "cause_b", "cause_c")


def test_a_file_over_the_size_cap_is_refused(tmp_path):
    root = _tiny(tmp_path)
    leaks = root / "priors/leaks.yaml"
    padding = "# padding\n" * (MAX_FILE_BYTES // 10 + 1)
    leaks.write_text(leaks.read_text() + padding)
    assert leaks.stat().st_size > MAX_FILE_BYTES
    _refused(root, r"priors/leaks.yaml: is larger than 2 MiB \(\d+ bytes\); a model file is at most 2097152 bytes")


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, sys.getrecursionlimit() * 2, 100_000])
def test_deep_nesting_is_refused_with_the_file(tmp_path, depth):
    root = _tiny(tmp_path)
    leaks = root / "priors/leaks.yaml"
    leaks.write_text(leaks.read_text() + "f9: " + "{a: " * depth + "1" + "}" * depth + "\n")
    _refused(root, rf"priors/leaks.yaml: line \d+, column \d+: nested more than {MAX_NESTING} levels deep")


def test_nesting_at_the_cap_is_read(tmp_path):
    path = tmp_path / "deep.yaml"
    depth = MAX_NESTING - 1  # the document's top mapping is one level
    path.write_text("top: " + "[" * depth + "1" + "]" * depth + "\n")
    data, problems = read_yaml(path, root=tmp_path)
    assert problems == []
    assert data["top"] is not None


def test_a_key_that_is_not_text_is_refused(tmp_path):
    root = _tiny(tmp_path)
    nodes = root / "model/nodes.yaml"
    key = "findings:\n  ? [a, b]\n  : {label: x, question: y}\n"
    nodes.write_text(nodes.read_text().replace("findings:\n", key, 1))
    _refused(root, r"model/nodes.yaml: line \d+: key \['a', 'b'\] is not text")


@pytest.mark.parametrize("key", ["{a: 1}", "5", "null", "yes"])
def test_other_keys_that_are_not_text_are_refused(tmp_path, key):
    path = tmp_path / "model" / "keys.yaml"
    path.parent.mkdir()
    path.write_text(f"? {key}\n: 1\nok: 2\n")
    data, problems = read_yaml(path, root=tmp_path)
    assert data == {"ok": 2}
    assert len(problems) == 1 and "is not text (an id or a field name; quote it" in problems[0], problems


def test_a_long_duplicate_key_is_cut(tmp_path):
    path = tmp_path / "model" / "dup.yaml"
    path.parent.mkdir()
    key = "k" * 5000  # a plain key is at most 1024 characters in YAML: an explicit one is not
    path.write_text(f"? {key}\n: 1\n? {key}\n: 2\n")
    _, problems = read_yaml(path, root=tmp_path)
    assert len(problems) == 1 and problems[0].startswith("line 3: duplicate key 'kkk")
    assert len(problems[0]) < 120 and "..." in problems[0]


def test_a_refused_bundled_copy_names_the_file(tmp_path):
    """An integration check on a copy of the bundled model: a FIFO card is named, the rest still checked."""
    root = tmp_path / "bundled"
    for folder in ("model", "priors"):
        shutil.copytree(REPO / folder, root / folder)
    card = root / "priors/causes/sciatica.yaml"
    card.unlink()
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    os.mkfifo(card)
    _refused(root, r"priors/causes/sciatica.yaml: is a FIFO")


def test_a_file_read_on_its_own_stays_inside_the_folder_above_it(tmp_path):
    """``model/next_steps.yaml`` and ``model/interview.yaml`` are read with the default root: the model directory."""
    root = _tiny(tmp_path)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("leading: {}\n")
    steps = root / "model/next_steps.yaml"
    steps.unlink()
    steps.symlink_to(outside)
    data, problems = read_yaml(steps)
    assert data is None and len(problems) == 1 and "outside the model directory" in problems[0]
    steps.unlink()
    (root / "shared.yaml").write_text("leading: {}\n")
    steps.symlink_to("../shared.yaml")
    assert read_yaml(steps) == ({"leading": {}}, [])
