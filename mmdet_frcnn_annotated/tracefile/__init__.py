"""The trace file: the one boundary between recording and rendering.

- :mod:`.records`: the record type and the named value descriptions;
- :mod:`.compact`: the compact form of a step's lines, and its inverse;
- :mod:`.files`: the writer and the tolerant reader.

A traced step is recorded as plain-data :class:`TraceRecord` objects, written
here as JSON lines (``trace_rank<r>.jsonl``) and read back here; every page
is rendered from records that went through :func:`encode` and
:func:`decode`, whether the run is live or the file is read afterwards.

Kinds of record, in the order of one step:
    ``symbols``   the bound symbols of the step (N, H, W, A, C, ...).
    ``config``    the config values the stage notes quote.
    ``tensor``    one tensor: its shape, symbolic shape and whether they
                  agree (``known`` names the mmdet behaviour a disagreement
                  is).
    ``stats``     small statistics of a stage (counts, quantiles).
    ``loss``      one loss value.
    ``boxes``     boxes of one image to draw, in the network input's frame.
    ``call``      one watched function along one call path (line capture).
    ``summary``   closes the step: how many records, mismatches, errors.
    ``pictures``  written after the step by the renderer: the pictures it
                  drew. The reader puts it before the ``summary``.

Descriptions of bound values inside ``call`` records are JSON lists tagged
by their first item; :func:`describe_from_json` turns them into the named
records below.
"""
from .files import (TraceWriter, decode, encode, pictures_of, read_trace,
                    step_records, summary_of)
from .records import (SCHEMA_VERSION, MappingDesc, ObjectDesc, SequenceDesc,
                      TensorDesc, TraceRecord, ValueDesc, describe_from_json,
                      describe_to_json)

__all__ = [
    'SCHEMA_VERSION', 'MappingDesc', 'ObjectDesc', 'SequenceDesc',
    'TensorDesc', 'TraceRecord', 'TraceWriter', 'ValueDesc', 'decode',
    'describe_from_json', 'describe_to_json', 'encode', 'pictures_of',
    'read_trace', 'step_records', 'summary_of'
]
