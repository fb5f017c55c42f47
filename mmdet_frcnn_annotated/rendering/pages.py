"""The files of one traced step, rendered from its records.

For a step ``<phase>_iter<k>`` (``_rank<r>`` on ranks other than 0) in
``out_dir``:

- ``<step>.md``: the stage report in the first language of ``languages``,
  ``<step>.<lang>.md`` in each other one;
- ``<step>.listing.<lang>.md``: the annotated listing in each language,
  when the step has a line capture;
- ``<step>.<kind>.png``: the pictures, drawn by :mod:`.drawing` (see
  :func:`write_pictures`); the reports link to those that exist;
- ``<step>.html``: the study page (:mod:`.html`), which joins all of the
  above in one self-contained file, every language in it, the pictures
  embedded; unless ``html`` is off.

The live run (through :mod:`.worker`) and ``python -m
mmdet_frcnn_annotated.report`` both call :func:`write_step`, with records
decoded from the trace file, so they write the same bytes.
"""
import os
import os.path as osp

from ..tracefile import TraceRecord, pictures_of
from .drawing import encoded_pictures
from .html import render_html
from .listing import render_listing
from .stage_report import render_report


def step_name(phase, iteration, rank=0):
    suffix = f'_rank{rank}' if rank else ''
    return f'{phase}_iter{iteration}{suffix}'


def report_name(step, language, languages):
    """``<step>.md`` for the first language, ``<step>.<lang>.md`` else."""
    return f'{step}.md' if language == languages[0] else \
        f'{step}.{language}.md'


def listing_name(step, language):
    return f'{step}.listing.{language}.md'


def html_name(step):
    return f'{step}.html'


def write_step(records, out_dir, languages=('en', ), rank=0, html=True):
    """Write the reports, listings and study page of one step; returns
    the path of the study page, or of the report in the first language
    when ``html`` is off."""
    languages = list(languages)
    first = records[0]
    step = step_name(first.phase, first.iteration, rank)
    has_listing = any(r.kind == 'call' for r in records)
    os.makedirs(out_dir, exist_ok=True)
    main = None
    for language in languages:
        report = report_name(step, language, languages)
        listing = listing_name(step, language) if has_listing else None
        text = render_report(records, language, listing=listing,
                             present=_present(out_dir))
        path = osp.join(out_dir, report)
        _write_text(path, text)
        main = main or path
        if listing:
            _write_text(osp.join(out_dir, listing),
                        render_listing(records, language, report=report))
    if not html:
        return main
    files = [report_name(step, language, languages) for language in languages]
    if has_listing:
        files += [listing_name(step, language) for language in languages]
    pictures = _read_pictures(records, out_dir)
    files += [picture['file'] for picture in pictures_of(records)
              if picture['kind'] in pictures]
    path = osp.join(out_dir, html_name(step))
    _write_text(path, render_html(records, pictures, languages[0], files))
    return path


def _read_pictures(records, out_dir):
    """``{kind: PNG bytes}`` of the step's pictures that are on disk."""
    found = {}
    for picture in pictures_of(records):
        path = osp.join(out_dir, osp.basename(picture['file']))
        if osp.isfile(path):
            with open(path, 'rb') as f:
                found[picture['kind']] = f.read()
    return found


def write_pictures(records, images, out_dir, rank=0):
    """Draw the pictures of a step, write them, and return the
    ``pictures`` record that says what was written (and, if drawing
    failed, why not)."""
    first = records[0]
    step = step_name(first.phase, first.iteration, rank)
    written, errors = [], []
    try:
        os.makedirs(out_dir, exist_ok=True)
        for picture, data in encoded_pictures(records, images):
            name = f'{step}.{picture.kind}.png'
            with open(osp.join(out_dir, name), 'wb') as f:
                f.write(data)
            written.append(dict(kind=picture.kind, file=name,
                                boxes=picture.boxes, bytes=len(data)))
    except Exception as err:  # a picture never stops the step's pages
        errors.append(f'pictures: {type(err).__name__}: {err}')
    values = dict(pictures=written)
    if errors:
        values['errors'] = errors
    return TraceRecord(kind='pictures', phase=first.phase,
                       iteration=first.iteration, values=values)


def _present(out_dir):
    """A test of whether a file is in ``out_dir``."""
    return lambda name: osp.isfile(osp.join(out_dir, name))


def _write_text(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
