"""Pieces of the annotated listing: where a record belongs, the layout of a
function's source, and the ``shape = symbols`` note of one bound value.

Glossary: the symbols of :mod:`.symbols` (N, H, W, h_l, w_l, A, C, G_i, V_i,
F_i, B_i, P_i, Q_i, M, K_i, Pr_i, Qr_i, R, D_i); ``{l}`` and ``{i}`` in a
template of :mod:`.line_shapes` are the level and image of a pass.
"""
import ast
import importlib
import os.path as osp
import textwrap

from ..knowledge import texts
from ..knowledge.known_behaviours import known_behaviour
from ..knowledge.line_shapes import templates
from ..knowledge.scopes import scope_of_path, scope_of_stage
from ..knowledge.symbols import SymbolError, SymbolTable, shape_text
from ..tracefile import (MappingDesc, ObjectDesc, SequenceDesc, TensorDesc,
                         ValueDesc)


# where a record belongs ----------------------------------------------------
def anchors(records):
    """``{(name, scope): anchor}`` and ``{name: anchor}`` of the sections,
    under both the listed name and the mmdet name it reproduces."""
    by_scope, by_name = {}, {}
    for index, r in enumerate((r for r in records if r.kind == 'call'), 1):
        scope = scope_of_path(r.values['path'])
        for name in (r.name, r.values.get('reproduces')):
            if name:
                by_scope.setdefault((name, scope), f'fn-{index}')
                by_name.setdefault(name, f'fn-{index}')
    return by_scope, by_name


def anchor_for(anchor_maps, producer, stage):
    by_scope, by_name = anchor_maps
    return by_scope.get((producer, scope_of_stage(stage)),
                        by_name.get(producer))


def stage_anchor(stage):
    return 'stage-' + stage.replace('/', '-').replace(' ', '-')


# source ------------------------------------------------------------------
def read_source(source):
    """Lines of the function that starts at ``'pkg/file.py:line'`` in the
    installed package, as ``(first line number, [lines])``."""
    import inspect
    path, _, line = source.rpartition(':')
    top = path.split('/')[0]
    base = osp.dirname(osp.dirname(osp.abspath(
        importlib.import_module(top).__file__)))
    with open(osp.join(base, path), encoding='utf-8') as f:
        lines = f.readlines()
    first = int(line)
    return first, inspect.getblock(lines[first - 1:])


class SourceLayout:
    """Statements of one function: where a line's notes go, which lines
    are docstring, and which statements only record (package code)."""

    def __init__(self, first, lines, own_code):
        self.first = first
        self.lines = lines
        tree = ast.parse(textwrap.dedent(''.join(lines)))
        func = tree.body[0]
        shift = first - 1
        self.owner = {}  # line -> first line of its statement
        self.note_at = {}  # statement start -> line its notes follow
        self.statements = set()
        self.hidden = set()
        self.docstring = None
        body_start = func.body[0].lineno + shift
        self.header = (func.lineno + shift, body_start - 1)
        for line in range(first, body_start):
            self.owner[line] = first
        self.note_at[first] = body_start - 1
        first_stmt = func.body[0]
        if (isinstance(first_stmt, ast.Expr)
                and isinstance(first_stmt.value, ast.Constant)
                and isinstance(first_stmt.value.value, str)):
            self.docstring = (first_stmt.lineno + shift,
                              first_stmt.end_lineno + shift)
        docstring_node = first_stmt if self.docstring else None
        for node in ast.walk(func):
            if (not isinstance(node, ast.stmt) or node is func
                    or node is docstring_node):
                continue
            start = node.lineno + shift
            body = getattr(node, 'body', None)
            end = (body[0].lineno - 1 if body else node.end_lineno) + shift
            self.statements.add(start)
            self.note_at[start] = end
            for line in range(start, end + 1):
                self.owner[line] = start
            if own_code and _only_records(node):
                self.hidden.update(range(start, node.end_lineno + shift + 1))

    def statement_of(self, line):
        return self.owner.get(line, line)

    def text_of(self, start):
        """Source of the statement (or header) that starts at ``start``."""
        end = self.note_at.get(start, start)
        return ''.join(self.lines[start - self.first:end - self.first + 1])


def _only_records(node):
    """A statement of this package that only records: ``rec.x(...)``,
    ``self._record_x(...)`` or ``with rec.guard(...)`` around such."""
    if isinstance(node, ast.With):
        return all(_only_records(n) for n in node.body)
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    func = node.value.func
    if not isinstance(func, ast.Attribute) or not isinstance(
            func.value, ast.Name):
        return False
    return func.value.id == 'rec' or (func.value.id == 'self'
                                      and func.attr.startswith('_record'))


# one annotation --------------------------------------------------------------
class Annotator:
    """Turns the description of a bound value into ``shape = symbols``."""

    def __init__(self, symbols, facts, scope, levels, language='en',
                 cascade=False):
        self.symbols = dict(symbols)
        self.table = SymbolTable()
        for name, value in symbols.items():
            self.table.bind(name, value)
        self.facts = dict(facts)
        agnostic = facts.get('reg_class_agnostic')
        self.facts.setdefault('reg', '4' if agnostic else '4*C')
        self.facts.setdefault('cls', facts.get('cls_out_channels', 1))
        roi = scope in ('roi_head', 'mask_head')
        self.facts.update(r='r' if roi else '',
                          cand='K' if roi else 'V')
        self.levels = levels or []
        self.language = language
        self.cascade = cascade
        self.checked = 0
        self.disagreements = 0
        self.known = set()  # keys of the known mmdet behaviours met
        self._expected = None
        self._failed = None  # (shape, expected) of a list's first item off

    def context(self, ctx):
        values = {}
        if 'image' in ctx:
            values['i'] = ctx['image']
        if 'level' in ctx and ctx['level'] < len(self.levels):
            values['l'] = self.levels[ctx['level']]
        if 'stage' in ctx:  # a cascade's stage s: Pr<s>_i, K<s>_i, R<s>
            stage = ctx['stage']
            values.update(r=f'r{stage}', cand=f'K{stage}' if stage else 'K',
                          next=f'K{stage + 1}')
        return values

    def _stage_rows(self, ctx):
        """Bind R and Rm to stage s's R<s> and Rm<s> for a pass of a
        cascade's stage s (the listed functions call their rois R)."""
        stage = ctx.get('stage', '')
        for name in ('R', 'Rm'):
            value = self.symbols.get(f'{name}{stage}', self.symbols.get(name))
            if value is not None:
                self.table.bind(name, value)

    def annotate(self, function, scope, name, desc, ctx, statement=''):
        """``'name: concrete = symbolic'`` for one bound value, then
        `` · `` and what a tensor held (:func:`values_text`); the
        ``statement`` (its source) selects ``@``-qualified templates."""
        note = self._annotate(function, scope, name, desc, ctx, statement)
        held = values_text(desc, self.language)
        return f'{note} · {held}' if held else note

    def _annotate(self, function, scope, name, desc, ctx, statement):
        found = []
        if scope == 'hard_examples':  # rows differ per call: shapes only
            return f'{name}: {_concrete(desc)}'
        for template in templates(function, name, scope, self.cascade):
            template, _, needs = template.partition(' @ ')
            if not needs or needs in statement:
                found.append(template)
        values = dict(self.facts, **self.context(ctx))
        self._stage_rows(ctx)
        concrete = _concrete(desc)
        for index, template in enumerate(found):
            self._expected = self._failed = None
            symbolic, fits = self._match(texts.fill(template, values), desc)
            if fits is None:
                continue
            if fits or index == len(found) - 1:
                self.checked += 1
                if fits:
                    return f'{name}: {concrete} = {symbolic}'
                shape, expected = self._failed or (getattr(
                    desc, 'shape', None), self._expected)
                behaviour = known_behaviour(function, name, shape, expected)
                if behaviour:
                    self.known.add(behaviour.key)
                    short = texts.text(self.language,
                                       f'{behaviour.key}@short')
                    return f'{name}: {concrete} ≈ {symbolic} ({short})'
                self.disagreements += 1
                return f'{name}: {concrete} ≠ {symbolic}'
        return f'{name}: {concrete}'

    def _match(self, template, desc):
        """``(symbolic text, fits)``; ``fits`` None when not applicable."""
        if template.startswith('='):
            if not isinstance(desc, ValueDesc) or type(desc.value) is not int:
                return None, None
            expected = self._evaluate(template[1:].strip())
            return template[1:].strip(), (None if expected is None else
                                          expected == desc.value)
        if template.startswith('per '):
            head, _, inner = template.partition(': ')
            return self._match_list(head, inner, desc)
        if not isinstance(desc, TensorDesc):
            return None, None
        return self._match_shape(template, desc.shape)

    def _match_shape(self, template, shape):
        dims = _split_dims(template)
        if len(dims) != len(shape):
            return shape_text(dims), False
        if all(dim == '_' or dim.isdigit() for dim in dims):
            return None, None  # nothing symbolic to say
        shown, fits, expected_shape = [], True, []
        for dim, value in zip(dims, shape):
            if dim == '_':
                shown.append(str(value))
                expected_shape.append(value)
                continue
            shown.append(dim)
            expected = self._evaluate(dim)
            if expected is None:
                return None, None
            expected_shape.append(expected)
            fits = fits and expected == value
        self._expected = expected_shape
        return shape_text(shown), fits

    def _match_list(self, head, inner, desc):
        if not isinstance(desc, SequenceDesc) or not desc.length:
            return None, None
        kinds = head.split()[1::2]  # 'per image per level' -> image, level
        fits = True
        for index, item in enumerate(desc.items):
            if item is None:
                continue
            if len(kinds) == 2:
                sub = f'per {kinds[1]}: {inner}'
                _, ok = self._with(kinds[0], index,
                                   lambda: self._match(sub, item))
            else:
                _, ok = self._with(
                    kinds[0], index, lambda: self._match(inner, item))
            if ok is None:
                return None, None
            if ok is False and self._failed is None:  # the first item off
                self._failed = (getattr(item, 'shape', None), self._expected)
            fits = fits and ok
        generic = inner.replace('{l}', 'l').replace('{i}', 'i')
        return f'{head}: {generic}', fits

    def _with(self, kind, index, match):
        """Run ``match`` with ``{l}``/``{i}`` bound to ``index``."""
        saved = dict(self.facts)
        if kind == 'level':
            if index >= len(self.levels):
                return None, None
            self.facts['l'] = self.levels[index]
        else:
            self.facts['i'] = index
        try:
            return match()
        finally:
            self.facts = saved

    def _evaluate(self, expression):
        expression = texts.fill(expression, self.facts)
        try:
            return self.table.evaluate(expression)
        except (SymbolError, TypeError, ValueError, ZeroDivisionError):
            return None


def _split_dims(template):
    """``'(N, min(a, b), 4)'`` -> ``['N', 'min(a, b)', '4']``."""
    inner = template.strip()[1:-1]
    dims, depth, current = [], 0, ''
    for char in inner:
        if char == ',' and depth == 0:
            dims.append(current.strip())
            current = ''
            continue
        depth += {'(': 1, ')': -1}.get(char, 0)
        current += char
    if current.strip():
        dims.append(current.strip())
    return dims


def _concrete(desc):
    """The concrete part of a note: a shape, a value, a list's items."""
    if isinstance(desc, TensorDesc):
        dtype = '' if desc.dtype == 'float32' else f' {desc.dtype}'
        return shape_text(desc.shape) + dtype
    if isinstance(desc, ValueDesc):
        return repr(desc.value)
    if isinstance(desc, SequenceDesc) and not desc.length:
        return '[]' if desc.type == 'list' else '()'
    if isinstance(desc, SequenceDesc):
        items = [(_concrete(d) if d else '?') for d in desc.items]
        if len(set(items)) == 1 and len(items) == desc.length:
            return f'{desc.type}[{desc.length}] of {items[0]}'
        more = ', …' if desc.length > len(items) else ''
        return f'{desc.type}[{desc.length}]: ' + ', '.join(items) + more
    if isinstance(desc, MappingDesc):
        return '{' + ', '.join(f'{k}: {_concrete(v)}'
                               for k, v in desc.items.items()) + '}'
    if isinstance(desc, ObjectDesc):
        return desc.cls + '(' + ', '.join(
            f'{k}: {_concrete(v)}' for k, v in desc.attrs.items()) + ')'
    return '?'


def values_text(desc, language):
    """What a tensor held, from the summary of its description
    (``runtime.values``): ``9 True``, ``0 ×247, 1 ×9``, ``∈ [0, 0.83],
    mean 0.04``; '' when it has none."""
    summary = desc.summary if isinstance(desc, TensorDesc) else None
    if not summary:
        return ''
    if 'value' in summary:
        return str(summary['value'])
    if 'true' in summary:
        return texts.text(language, '@value_true', count=summary['true'])
    parts = []
    if 'counts' in summary:
        parts.append(', '.join(f'{value} ×{count}'
                               for value, count in summary['counts'].items()))
    elif 'min' in summary:
        parts.append(texts.text(language, '@value_range', min=summary['min'],
                                max=summary['max']))
    if 'mean' in summary:
        parts.append(texts.text(language, '@value_mean',
                                mean=summary['mean']))
    if summary.get('nonfinite'):
        parts.append(texts.text(language, '@value_nonfinite',
                                count=summary['nonfinite']))
    return ', '.join(parts)


def clip(text, limit=200):
    return text if len(text) <= limit else text[:limit - 1] + '…'
