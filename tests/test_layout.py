"""The package's rooms and their boundaries, read from its own imports.

Recording (``runtime/``), knowledge of mmdet (``knowledge/``) and
rendering (``rendering/``) meet only through the trace file
(``tracefile/``); the tracer is the one module that joins run time and
rendering. Every import of the package's own modules is read with ``ast``,
function-level ones included.
"""
import ast
import os
import os.path as osp

import pytest
from conftest import REPO

PACKAGE = 'mmdet_frcnn_annotated'
ROOT = osp.join(REPO, PACKAGE)


def _module_name(path):
    rel = osp.relpath(path, REPO)[:-3].replace(os.sep, '.')
    return rel[:-len('.__init__')] if rel.endswith('.__init__') else rel


def _modules():
    found = {}
    for folder, _, files in os.walk(ROOT):
        for name in files:
            if name.endswith('.py'):
                path = osp.join(folder, name)
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(name, path):
    """The package modules that ``name`` imports, anywhere in its file."""
    is_package = path.endswith('__init__.py')
    base = name.split('.') if is_package else name.split('.')[:-1]
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding='utf-8').read())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = base[:len(base) - node.level + 1]
                stem = '.'.join(parent + ([node.module] if node.module
                                          else []))
            else:
                stem = node.module or ''
            modules = [f'{stem}.{a.name}' for a in node.names
                       if f'{stem}.{a.name}' in MODULES]
            targets = modules or [stem]  # ``from . import canvas``
        else:
            continue
        # a package's __init__ runs before its modules: importing one's
        # own package is no cycle
        found.update(t for t in targets if t in MODULES and t != name
                     and not name.startswith(t + '.'))
    return found


IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


def _room(name):
    parts = name.split('.')
    return parts[1] if len(parts) > 1 else ''


def test_the_walk_finds_the_rooms():
    rooms = {_room(name) for name in MODULES}
    assert {'knowledge', 'runtime', 'rendering', 'tracefile', 'tracer',
            'models', 'cli'} <= rooms
    # the reader sees relative imports: the tracer imports the worker
    assert f'{PACKAGE}.rendering.worker' in IMPORTS[f'{PACKAGE}.tracer']


@pytest.mark.parametrize('room, allowed', [
    ('knowledge', {'knowledge'}),
    ('tracefile', set()),
    ('runtime', {'runtime', 'knowledge', 'tracefile'}),
    ('rendering', {'rendering', 'knowledge', 'tracefile'}),
])
def test_each_room_imports_only_what_it_may(room, allowed):
    wrong = sorted(
        (name, target) for name, targets in IMPORTS.items()
        if _room(name) == room for target in targets
        if _room(target) not in allowed | {room})
    assert wrong == []


def test_no_import_cycles():
    state = {}

    def visit(name, stack):
        state[name] = 'open'
        for target in sorted(IMPORTS[name]):
            if state.get(target) == 'open':
                cycle = stack[stack.index(target):] + [target]
                raise AssertionError(' -> '.join(cycle))
            if target not in state:
                visit(target, stack + [target])
        state[name] = 'done'

    for name in sorted(MODULES):
        if name not in state:
            visit(name, [name])


def test_module_names_are_unique_and_sizes_kept():
    names = [osp.basename(path) for path in MODULES.values()
             if not path.endswith('__init__.py')]
    assert sorted({n for n in names if names.count(n) > 1}) == []
    long = {name: open(path).read().count('\n')
            for name, path in MODULES.items()}
    assert {name: n for name, n in long.items() if n > 400} == {}


def test_entry_points_are_thin():
    for command in ('train', 'report', 'walkthrough'):
        path = MODULES[f'{PACKAGE}.{command}']
        tree = ast.parse(open(path).read())
        assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef))
                       for n in tree.body), command
        assert IMPORTS[f'{PACKAGE}.{command}'] >= {
            f'{PACKAGE}.cli.{command}_command'}
