"""``report diff``: what differs between two shape traces, as Markdown."""
import json
import os.path as osp

import pytest
import torch

from mmdet_frcnn_annotated.cli import report_command as report_cli
from mmdet_frcnn_annotated.rendering.diff import diff_groups, render_diff
from mmdet_frcnn_annotated.runtime.recorder import recording
from mmdet_frcnn_annotated.runtime.settings import TraceSettings
from mmdet_frcnn_annotated.tracefile import TraceRecord, read_trace
from mmdet_frcnn_annotated.tracer import ShapeTracer


def _real_trace(folder, n=2, iterations=(0, )):
    """A trace written by the tracer: per iteration the symbol N, stage
    ``input`` with two tensors and one statistics record, and one loss."""
    tracer = ShapeTracer(TraceSettings.from_config(dict(
        out_dir=str(folder), iterations=list(iterations))))
    for _ in range(max(iterations) + 1):
        rec = tracer.start_train()
        if rec is None:
            continue
        with recording(rec):
            rec.bind(N=n)
            rec.tensor('input', 'img', torch.zeros(n, 3, 8, 8),
                       ['N', 3, 8, 8])
            rec.tensor('input', 'flat', torch.zeros(n * 3), ['N*3'])
            rec.stats('input', 'counts', lambda: {'boxes': 4})
        rec.losses({'loss': 1.5})
        tracer.finish(rec)
    tracer.close()
    return osp.join(str(folder), 'trace_rank0.jsonl')


def _group(phase, iteration, symbols, body):
    """Records of one group: ``body`` holds (kind, stage, name, extra)."""
    records = [TraceRecord('symbols', phase, iteration, values=symbols)]
    for kind, stage, name, extra in body:
        records.append(TraceRecord(kind, phase, iteration, stage, name,
                                   **extra))
    return records + [TraceRecord('summary', phase, iteration)]


def _tensor(stage, name, shape, symbolic):
    return ('tensor', stage, name, dict(shape=shape, symbolic=symbolic))


def _ratio_pair():
    """A with 3 anchors per location, B with 1."""
    img = _tensor('input', 'img', [2, 3, 256, 320], ['N', '3', 'H', 'W'])
    metas = {'image 0': {'flip': True, 'img_shape': [256, 320, 3]}}
    a = _group('train', 0, {'N': 2, 'A': 3, 'h_2': 64, 'w_2': 80}, [
        img,
        ('stats', 'input', 'img_metas', dict(values=metas)),
        _tensor('rpn_head/forward/P2', 'cls_score', [2, 3, 64, 80],
                ['N', 'A*1', 'h_2', 'w_2']),
        _tensor('rpn_head/forward/P2', 'a|b', [2], ['N']),
        _tensor('rpn_head/forward/P2', 'bbox_pred', [2, 4, 64, 80],
                ['N', '4', 'h_2', 'w_2']),
        ('stats', 'rpn_head/forward/P2', 'sizes',
         dict(values={'stride': 4, 'sizes': [[45.3, 22.6], [32.0, 32.0]],
                      'iou': 0.1234567})),
        ('call', 'rpn_head/forward/P2', 'RPNHead.forward',
         dict(values={'lines': 3})),
        ('loss', '', 'loss_cls', dict(values={'value': 0.5})),
        ('loss', '', 'loss', dict(values={'value': 1.5})),
    ])
    b = _group('train', 0, {'N': 2, 'A': 1, 'h_2': 64, 'w_2': 80, 'T': 5120},
               [
                   img,
                   ('stats', 'input', 'img_metas',
                    dict(values={'image 0': {'flip': False,
                                             'img_shape': [256, 320, 3]}})),
                   _tensor('rpn_head/forward/P2', 'cls_score',
                           [2, 1, 64, 80], ['N', 'A*1', 'h_2', 'w_2']),
                   _tensor('rpn_head/forward/P2', 'bbox_pred',
                           [2, 4, 64, 80], ['N', 'A*4', 'h_2', 'w_2']),
                   ('stats', 'rpn_head/forward/P2', 'sizes',
                    dict(values={'stride': 4, 'sizes': [[32.0, 32.0]],
                                 'iou': 0.1234568})),
                   _tensor('rpn_head/anchors/P2', 'base_anchors', [1, 4],
                           ['A', '4']),
                   ('boxes', 'rpn_head/anchors/P2', 'anchor boxes',
                    dict(values={'boxes': [[0, 0, 1, 1]]})),
                   ('loss', '', 'loss_cls', dict(values={'value': 0.5})),
                   ('loss', '', 'loss', dict(values={'value': 1.25})),
               ])
    return a, b


def _write(path, *groups):
    with open(str(path), 'w') as f:
        for group in groups:
            f.writelines(json.dumps(r.to_dict()) + '\n' for r in group)
    return str(path)


def _run(argv, capsys):
    text = report_cli.main(['diff'] + argv)
    assert capsys.readouterr().out == text + '\n'
    return text


def test_real_trace_against_itself_nothing_differs(tmp_path, capsys):
    path = _real_trace(tmp_path, iterations=(0, 1))
    text = _run([path, path], capsys)
    assert ('Nothing differs in the 2 compared groups: same stages, shapes, '
            'symbolic shapes, symbol values, statistics and losses.') in text
    # per iteration: stage input, img and flat, counts, N and loss
    assert text.count('Nothing differs: 1 stage, 2 tensors, 1 statistics '
                      'record, 1 symbol and 1 loss on each side; same stages'
                      ', shapes, symbolic shapes, symbol values, statistics '
                      'and losses.') == 2
    assert '| --- |' not in text and 'differ.' not in text


def test_real_traces_of_two_batch_sizes(tmp_path, capsys):
    (tmp_path / 'a').mkdir()
    (tmp_path / 'b').mkdir()
    a = _real_trace(tmp_path / 'a', n=2)
    b = _real_trace(tmp_path / 'b', n=3)
    text = _run([a, b], capsys)
    lines = text.splitlines()
    assert '## A `trace_rank0.jsonl` train, iteration 0 vs B ' \
        '`trace_rank0.jsonl` train, iteration 0' in lines
    assert '| N | 2 | 3 |' in lines
    assert '| img | (2, 3, 8, 8) | (3, 3, 8, 8) | (N, 3, 8, 8) | ' \
        '(N, 3, 8, 8) |' in lines
    assert '| flat | (6,) | (9,) | (N*3,) | (N*3,) |' in lines
    assert '### Statistics' not in lines and '### Losses' not in lines
    assert lines[-1] == '1 symbol and 2 tensors differ.'


def test_anchor_ratio_rows():
    a, b = _ratio_pair()
    text = render_diff([(a, b)], 'a.jsonl', 'b.jsonl')
    lines = text.splitlines()
    assert '| A | 3 | 1 |' in lines
    assert '| T | — | 5120 |' in lines
    assert not [line for line in lines if line.startswith(('| N ', '| h_2'))]
    assert '| cls_score | (2, 3, 64, 80) | (2, 1, 64, 80) | ' \
        '(N, A*1, h_2, w_2) | (N, A*1, h_2, w_2) |' in lines
    assert '| a\\|b | (2,) | — | (N,) | — |' in lines
    # same concrete shape, other symbolic shape
    assert '| bbox_pred | (2, 4, 64, 80) | (2, 4, 64, 80) | ' \
        '(N, 4, h_2, w_2) | (N, A*4, h_2, w_2) |' in lines
    assert '| base_anchors | — | (1, 4) | — | (A, 4) |' in lines
    assert not [line for line in lines if line.startswith('| img ')]
    # stages in A's order, then B's extra stage; unchanged stage left out
    assert '### `input`' not in lines
    assert lines.index('### `rpn_head/forward/P2`') < lines.index(
        '### `rpn_head/anchors/P2`')
    assert '| input | img_metas | image 0.flip | true | false |' in lines
    assert '| rpn_head/forward/P2 | sizes | sizes | ' \
        '[[45.3, 22.6], [32.0, 32.0]] | [[32.0, 32.0]] |' in lines
    # equal at 6 significant digits: printed in full
    assert '| rpn_head/forward/P2 | sizes | iou | 0.1234567 | 0.1234568 |' \
        in lines
    assert not [line for line in lines if 'stride' in line
                or 'img_shape' in line or 'loss_cls' in line]
    assert '| loss | 1.5 | 1.25 |' in lines
    assert 'RPNHead.forward' not in text and 'anchor boxes' not in text
    assert lines[-1] == ('2 symbols, 4 tensors, 3 statistics and 1 loss '
                         'differ.')
    assert 'Nothing differs' not in text


def test_diff_is_symmetric_in_what_it_finds():
    a, b = _ratio_pair()
    forward, backward = diff_groups(a, b), diff_groups(b, a)
    assert forward.counts() == backward.counts() == (2, 4, 3, 1)
    assert ('A', 1, 3) in backward.symbols


def _iterations_file(tmp_path):
    """train 0 (A = 3), train 4 (A = 1), val 0 (A = 3)."""
    a, b = _ratio_pair()
    b4 = [TraceRecord(**{**r.to_dict(), 'iteration': 4}) for r in b]
    val = [TraceRecord(**{**r.to_dict(), 'phase': 'val'}) for r in a]
    return _write(tmp_path / 'run.jsonl', a, b4, val)


def test_two_iterations_of_one_run(tmp_path, capsys):
    path = _iterations_file(tmp_path)
    text = _run([path, path, '--iteration', '0', '4'], capsys)
    headings = [line for line in text.splitlines() if line.startswith('## ')]
    assert headings == ['## A `run.jsonl` train, iteration 0 vs '
                        'B `run.jsonl` train, iteration 4']
    assert '| A | 3 | 1 |' in text.splitlines()


def test_phase_and_single_iteration(tmp_path, capsys):
    path = _iterations_file(tmp_path)
    text = _run([path, path, '--phase', 'val'], capsys)
    headings = [line for line in text.splitlines() if line.startswith('## ')]
    assert headings == ['## A `run.jsonl` val, iteration 0 vs '
                        'B `run.jsonl` val, iteration 0']
    assert 'Nothing differs in the 1 compared group:' in text
    text = _run([path, path, '--iteration', '0'], capsys)
    assert [line[3:].split(' vs ')[0] for line in text.splitlines()
            if line.startswith('## ')] == [
                'A `run.jsonl` train, iteration 0',
                'A `run.jsonl` val, iteration 0'
            ]


def test_one_group_per_phase_pairs_by_phase(tmp_path, capsys):
    a, b = _ratio_pair()
    b4 = [TraceRecord(**{**r.to_dict(), 'iteration': 4}) for r in b]
    x = _write(tmp_path / 'x.jsonl', a)
    y = _write(tmp_path / 'y.jsonl', b4)
    text = _run([x, y], capsys)
    assert '## A `x.jsonl` train, iteration 0 vs B `y.jsonl` train, ' \
        'iteration 4' in text.splitlines()
    two = _write(tmp_path / 'two.jsonl', a,
                 [TraceRecord(**{**r.to_dict(), 'iteration': 1}) for r in a])
    with pytest.raises(SystemExit) as err:
        report_cli.main(['diff', two, y])
    said = str(err.value)
    assert 'no group in common' in said
    assert "[('train', 0), ('train', 1)]" in said and "[('train', 4)]" in said


def test_not_compared_groups_are_said(tmp_path, capsys):
    path = _iterations_file(tmp_path)
    a, _ = _ratio_pair()
    only_train = _write(tmp_path / 'train.jsonl', a)
    text = _run([path, only_train], capsys)
    assert ('Not compared (no group on the other side to pair with): '
            'A: train, iteration 4; A: val, iteration 0.') in text


def test_errors_name_the_problem(tmp_path):
    path = _iterations_file(tmp_path)
    with pytest.raises(SystemExit) as err:
        report_cli.main(['diff', path, path, '--iteration', '7'])
    said = str(err.value)
    assert 'no iteration 7' in said and path in said
    assert "[('train', 0), ('train', 4), ('val', 0)]" in said
    with pytest.raises(SystemExit) as err:
        report_cli.main(['diff', path, path, '--iteration', '0', '5'])
    assert str(err.value).startswith(f'B ({path}) holds no iteration 5')
    with pytest.raises(SystemExit) as err:
        report_cli.main(['diff', path, path, '--phase', 'test'])
    assert 'no test phase' in str(err.value)
    missing = str(tmp_path / 'missing.jsonl')
    with pytest.raises(SystemExit) as err:
        report_cli.main(['diff', path, missing])
    assert str(err.value) == f'no trace file at {missing}'
    empty = _write(tmp_path / 'empty.jsonl')
    with pytest.raises(SystemExit) as err:
        report_cli.main(['diff', empty, path])
    assert 'no complete traced iteration' in str(err.value)


def test_written_trace_reads_back_to_same_diff(tmp_path):
    a, b = _ratio_pair()
    groups = [read_trace(_write(tmp_path / f'{n}.jsonl', g))[0]
              for n, g in (('a', a), ('b', b))]
    assert render_diff([tuple(groups)]) == render_diff([(a, b)])
