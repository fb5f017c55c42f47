"""The study page of one traced step: one self-contained HTML file.

It joins what the other files of the step say apart: the functions that
ran with their source and this run's shapes and values
(:mod:`.html_code`), the stage tables, the flow, the pictures, the symbols
(:mod:`.html_parts`), in every language of
:data:`...knowledge.texts.LANGUAGES` at once. The style and the script
(``page.css``, ``page.js`` beside this module) are written into the page;
the pictures are embedded as ``data:`` URIs; nothing is fetched. Without
JavaScript the page shows every pass of every line; the language switch
is a pair of radio buttons that CSS alone honours, and the script only
remembers the choice.
"""
import base64
import functools
import os.path as osp

from ...knowledge import texts
from ...knowledge.scopes import scope_of_path
from ...knowledge.stages import PICTURE_BESIDE, PICTURES, stage_family
from ...knowledge.texts import LANGUAGES
from ...tracefile import summary_of
from ..annotate import anchor_for, anchors, read_source, stage_anchor
from ..stage_report import ReportWords
from .html_code import render_functions, render_toc
from .html_parts import (render_flow_svg, render_glossary, render_known,
                         render_losses, render_stages)
from .markup import both, esc, split_text, tag

_HERE = osp.dirname(osp.abspath(__file__))


def _asset(name):
    with open(osp.join(_HERE, name), encoding='utf-8') as f:
        return f.read()


class StepView:
    """What the parts of the page ask of a step's records.

    Args:
        records (list[TraceRecord]): one step, symbols first, summary last.
        pictures (dict): ``{kind: PNG bytes}`` of the pictures to embed.
        source_reader (callable): ``source -> (first line, lines)``.
    """

    def __init__(self, records, pictures=None, source_reader=None):
        self.records = records
        self.head = records[0]
        self.symbols = self.head.values
        self.calls = [r for r in records if r.kind == 'call']
        # each function's source is read once, for its links and its code
        self.read = functools.lru_cache(maxsize=None)(source_reader
                                                      or read_source)
        self.anchor_maps = anchors(records)
        self.run_levels = next(
            (c.values['levels'] for c in self.calls
             if c.values.get('levels')
             and scope_of_path(c.values['path']) == 'rpn_head'), None)
        self.words = {lang: ReportWords(lang, records) for lang in LANGUAGES}
        self.pictures = dict(pictures or {})
        self.stages_of = {}  # function anchor -> its stages, in order
        for r in records:
            if r.kind in ('tensor', 'stats') and r.producer:
                anchor = self.producer_anchor(r)
                if anchor:
                    stages = self.stages_of.setdefault(anchor, [])
                    if r.stage not in stages:
                        stages.append(r.stage)
        self.pictures_at = {}
        self.loose_pictures = []
        for kind, stage in PICTURES:
            if kind not in self.pictures:
                continue
            anchor = self._function_anchor(PICTURE_BESIDE.get(kind)) or \
                self._stage_anchor_of(stage)
            if anchor:
                self.pictures_at.setdefault(anchor, []).append(kind)
            else:
                self.loose_pictures.append(kind)

    # answers ----------------------------------------------------------------
    def word(self, language, key, **values):
        return texts.text(language, key, **values)

    def note(self, language, stage):
        return self.words[language].note(stage)

    @staticmethod
    def stage_id(stage):
        return stage_anchor(stage)

    def producer_anchor(self, record):
        if not record.producer or not self.calls:
            return None
        return anchor_for(self.anchor_maps, record.producer, record.stage)

    def _function_anchor(self, name):
        for index, r in enumerate(self.calls, 1):
            if name and name in (r.name, r.values.get('reproduces')):
                return f'fn-{index}'
        return None

    def _stage_anchor_of(self, prefix):
        """The function beside which the picture of stage ``prefix`` goes:
        the producer of the boxes it draws, else of the stage's first
        record."""
        records = [r for r in self.records
                   if r.kind in ('boxes', 'tensor', 'stats') and r.stage and (
                       r.stage == prefix or r.stage.startswith(prefix + '/'))]
        records.sort(key=lambda r: r.kind != 'boxes')
        for r in records:
            anchor = self.producer_anchor(r)
            if anchor:
                return anchor
        return None

    def family_anchor(self, family):
        """The function that made the first record of a stage family, or
        the family's first stage table."""
        first = None
        for r in self.records:
            if r.kind in ('tensor', 'stats') and r.stage and \
                    stage_family(r.stage) == family:
                anchor = self.producer_anchor(r)
                if anchor:
                    return anchor
                first = first or self.stage_id(r.stage)
        return first

    def picture_html(self, kind):
        data = base64.b64encode(self.pictures[kind]).decode('ascii')
        caption = both(f'@picture_{kind}')
        return tag('figure', f'<img src="data:image/png;base64,{data}" '
                   f'alt="{esc(kind)}" data-kind="{esc(kind)}">'
                   + tag('figcaption', caption), class_='picture',
                   id=f'picture-{kind}')


def render_html(records, pictures=None, language='en', files=(),
                source_reader=None):
    """The HTML text of the study page of one step.

    Args:
        records (list[TraceRecord]): the step's records.
        pictures (dict): ``{kind: PNG bytes}``; kinds not given are left
            out.
        language (str): the language shown first.
        files (list[str]): the other files of the step, linked at the top.
        source_reader (callable, optional): as for the listing.
    """
    step = StepView(records, pictures, source_reader)
    head = records[0]
    tail = summary_of(records)
    title = {lang: texts.text(lang, '@study_title', phase=head.phase,
                              iteration=head.iteration)
             for lang in LANGUAGES}
    switch = ''.join(
        f'<input type="radio" name="lang" id="lang-{lang}" value="{lang}"'
        + (' checked' if lang == language else '')
        + f'><label for="lang-{lang}">{esc(_NAMES.get(lang, lang))}</label>'
        for lang in LANGUAGES)
    top = ('<header><h1>' + ''.join(tag('span', esc(title[lang]), lang=lang)
                                    for lang in LANGUAGES) + '</h1>'
           + f'<div class="switch" role="radiogroup">{switch}</div>'
           + '</header>')
    intro = tag('div', both('@study_lede', element='div', block=True)
                + both('@study_marks', element='div', block=True),
                class_='lede')
    errors = list(tail.values.get('errors', []))
    errors += [e for r in records if r.kind == 'pictures'
               for e in r.values.get('errors', [])]
    if errors:
        intro += tag('div', both('@report_errors') + '<ul>' + ''.join(
            f'<li>{esc(e)}</li>' for e in errors) + '</ul>', class_='errors')
    if files:
        links = ', '.join(f'<a href="{esc(f)}">{esc(f)}</a>' for f in files)
        intro += '<p class="files">' + ''.join(
            tag('span', esc(split_text(lang, '@study_other_files', 'files')[0])
                + links + '.', lang=lang) for lang in LANGUAGES) + '</p>'
    body = [top, _nav(step), '<main>', intro]
    if step.loose_pictures:
        body.append(tag('section', tag('h2', both('@study_pictures'),
                                       id='pictures') + ''.join(
            step.picture_html(kind) for kind in step.loose_pictures)))
    body.append(render_flow_svg(step))
    if step.calls:
        body.append(tag('section', tag('h2', both('@study_functions'),
                                       id='functions')
                        + render_functions(step), class_='functions'))
    elif tail.values.get('listing'):
        body.append(tag('p', both('@study_no_capture',
                                  reason=tail.values['listing'])))
    body += [render_stages(step), render_losses(step),
             render_known(tail.values.get('known', [])),
             render_glossary(step), '</main>']
    return ('<!DOCTYPE html>\n<html lang="' + esc(language) + '"><head>'
            '<meta charset="utf-8"><meta name="viewport" '
            'content="width=device-width, initial-scale=1">'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-"
            "src 'none'; img-src data:; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'\">"
            f'<title>{esc(title[language])}</title>'
            f'<style>{_asset("page.css")}</style></head><body>'
            + ''.join(body)
            + f'<script>{_asset("page.js")}</script></body></html>\n')


_NAMES = dict(en='English', zh='中文')


def _nav(step):
    items = [('#flow', '@study_flow'), ('#functions', '@study_functions'),
             ('#stages', '@study_stages'), ('#symbols', '@study_glossary')]
    links = ''.join(f'<li><a href="{href}">{both(key)}</a></li>'
                    for href, key in items)
    tree = render_toc(step) if step.calls else ''
    return tag('nav', tag('h2', both('@study_contents'))
               + f'<ul class="sections">{links}</ul>' + tree)
