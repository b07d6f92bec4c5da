"""Export the network to standard Bayesian-network files: XMLBIF and BIF.

The file holds exactly the pgmpy network of :func:`ddx.inference.network.build_network`
(the reference semantics), written by pgmpy's own writers. Every probability
is written with the shortest decimal that reads back as the same double
(Python's ``repr``), so a reader that parses numbers in double precision gets
the same tables, bit for bit:

- pgmpy (``XMLBIFReader``, ``BIFReader``) reads both formats back with the
  same nodes, edges, states and tables; posteriors agree with ddx to 1e-9.
- pyAgrum reads XMLBIF exactly. ``pyagrum.loadBN`` picks its reader by the
  file's extension and knows XMLBIF only as ``.bifxml``; for a file named
  ``.xml`` or ``.xmlbif`` use ``pyagrum.BayesNet().loadBIFXML(path)``.
- pyAgrum's BIF reader parses numbers in single precision (about 7
  significant digits, whatever the file holds: its own ``saveBN`` /
  ``loadBN`` round trip drifts the same way), so BIF opened in pyAgrum gives
  posteriors within about 1e-7, not 1e-9. Use XMLBIF with pyAgrum.

Emergency signs that no cause links to are not in the network (the rule layer
reads them), so they are not in the files either; nor are the rules.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DdxError
from ..knowledge.model import KnowledgeBase

if TYPE_CHECKING:  # pragma: no cover
    from pgmpy.models import DiscreteBayesianNetwork

    from ..engine.core import Engine

__all__ = ["FORMATS", "export_network", "format_for"]

#: The formats :func:`export_network` writes.
FORMATS: tuple[str, ...] = ("xmlbif", "bif")
#: File extensions that name a format when none is given.
_SUFFIXES = {".bifxml": "xmlbif", ".xmlbif": "xmlbif", ".xml": "xmlbif", ".bif": "bif"}


def format_for(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The format to write: ``format`` if given, else the one the file extension names.

    Raises
    ------
    DdxError
        For an unknown format, or no format and an extension that names none.
    """
    if format is not None:
        name = str(format).strip().lower()
        if name not in FORMATS:
            raise DdxError(f"export format must be one of {', '.join(FORMATS)}; got {format!r}")
        return name
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise DdxError(
            f"cannot tell the export format from {str(path)!r}: give format='xmlbif' or 'bif', "
            f"or name the file {' / '.join(_SUFFIXES)}"
        )
    return _SUFFIXES[suffix]


def export_network(
    source: Engine | KnowledgeBase,
    path: str | os.PathLike[str],
    format: str | None = None,
) -> Path:
    """Write the network of ``source`` to ``path`` as XMLBIF or BIF.

    Parameters
    ----------
    source
        An :class:`~ddx.Engine` (its network is built once and cached) or a
        :class:`~ddx.knowledge.model.KnowledgeBase`.
    path
        The file to write (its folder must exist). For pyAgrum's ``loadBN``,
        name an XMLBIF file ``*.bifxml``.
    format
        ``"xmlbif"`` or ``"bif"``; default: from the extension (``.bifxml``,
        ``.xmlbif``, ``.xml`` -> XMLBIF; ``.bif`` -> BIF).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    DdxError
        For an unknown format, or a folder that does not exist.

    Examples
    --------
    >>> import tempfile, pathlib, ddx
    >>> from ddx.inference.export import export_network
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> export_network(ddx.load(), folder / "ddx.bifxml").name
    'ddx.bifxml'
    """
    target = Path(path)
    kind = format_for(target, format)
    if not target.parent.is_dir():
        raise DdxError(f"{target}: cannot write it: folder {target.parent} does not exist")
    network = source.network if not isinstance(source, KnowledgeBase) else _build(source)
    with warnings.catch_warnings():  # pgmpy warns about its own deprecations on import
        warnings.simplefilter("ignore", FutureWarning)
        from pgmpy.readwrite import BIFWriter, XMLBIFWriter

    # pgmpy writes each number with str(numpy.float64), the shortest repr that reads back exactly.
    writer = XMLBIFWriter(network) if kind == "xmlbif" else BIFWriter(network)
    # ``write`` is pgmpy >= 1.1's name; older releases only have write_xmlbif / write_bif.
    write = getattr(writer, "write", None) or getattr(writer, f"write_{kind}")
    write(str(target))
    return target


def _build(kb: KnowledgeBase) -> DiscreteBayesianNetwork:
    from .network import build_network

    return build_network(kb)
