"""Parse the answer spellings the batch contract accepts (yes/no/1/0/true/false/y/n, any case)."""

from __future__ import annotations

__all__ = ["ANSWER_SPELLINGS", "parse_answer"]

#: Spelling (lower case) -> answer; blank means unknown.
ANSWER_SPELLINGS: dict[str, bool] = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
}


def parse_answer(text: object) -> bool | None:
    """``True``/``False`` for a known spelling, ``None`` for blank or unknown spellings.

    Callers tell blank from unknown by checking the text themselves; see
    :func:`ddx.batch` for the per-row error.
    """
    if text is None:
        return None
    key = str(text).strip().lower()
    if key.endswith(".0") and key[:-2] in ("0", "1"):  # pandas reads 1/0 columns as floats
        key = key[:-2]
    return ANSWER_SPELLINGS.get(key)
