"""Writers of finished records: JSON lines and Markdown reports.

Recording and formatting stay apart: the recorder produces
:class:`~.records.TraceRecord` objects, these classes put them on disk.
"""
import json
import os
import os.path as osp

from .listing import render_listing
from .report import render_report


class JsonLinesWriter:
    """Appends one JSON object per line and flushes after every iteration,
    so a run that dies keeps every iteration it finished."""

    def __init__(self, path):
        self.path = path
        self._file = None

    def write(self, records):
        if self._file is None:
            os.makedirs(osp.dirname(osp.abspath(self.path)), exist_ok=True)
            torn = _ends_mid_line(self.path)
            self._file = open(self.path, 'a', encoding='utf-8')
            if torn:  # a killed run left half a line: start a fresh one
                self._file.write('\n')
        self._file.write(''.join(
            json.dumps(r.to_dict(), separators=(',', ':')) + '\n'
            for r in records))
        self._file.flush()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None


class MarkdownReportWriter:
    """Writes ``<phase>_iter<k>[_rank<r>].md`` for each traced iteration,
    beside it the listing ``<same name>.listing.<language>.md`` in each
    language when the iteration has a line capture, and the pictures
    ``<same name>.<kind>.png`` when it has them."""

    def __init__(self, out_dir, rank=0, languages=('en', )):
        self.out_dir = out_dir
        self.rank = rank
        self.languages = list(languages)

    def path_for(self, phase, iteration, language=None, picture=None):
        suffix = f'_rank{self.rank}' if self.rank else ''
        tail = f'.listing.{language}.md' if language else '.md'
        if picture:
            tail = f'.{picture}.png'
        return osp.join(self.out_dir, f'{phase}_iter{iteration}{suffix}{tail}')

    def write_pictures(self, phase, iteration, pictures):
        """Write each ``(Picture, png bytes)`` as
        ``<phase>_iter<k>.<kind>.png``; returns what the summary of the step
        says of them: kind, title, file, boxes drawn and bytes."""
        os.makedirs(self.out_dir, exist_ok=True)
        written = []
        for picture, data in pictures:
            path = self.path_for(phase, iteration, picture=picture.kind)
            with open(path, 'wb') as f:
                f.write(data)
            written.append(
                dict(kind=picture.kind, title=picture.title,
                     file=osp.basename(path), boxes=picture.boxes,
                     bytes=len(data)))
        return written

    def write(self, records):
        first = records[0]
        path = self.path_for(first.phase, first.iteration)
        has_listing = any(r.kind == 'call' for r in records)
        names = {
            language: osp.basename(
                self.path_for(first.phase, first.iteration, language))
            for language in (self.languages if has_listing else [])
        }
        os.makedirs(self.out_dir, exist_ok=True)
        main_listing = names.get(self.languages[0]) if names else None
        pictures = [(p['title'], p['file'])
                    for p in records[-1].values.get('pictures', [])]
        _write_text(path, render_report(records, listing=main_listing,
                                        pictures=pictures))
        for language, name in names.items():
            _write_text(
                osp.join(self.out_dir, name),
                render_listing(records, language,
                               report=osp.basename(path)))
        return path

    def close(self):
        pass


def _ends_mid_line(path):
    """True when ``path`` exists, is a regular file and its last byte is
    not a newline."""
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    with open(path, 'rb') as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b'\n'


def _write_text(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
