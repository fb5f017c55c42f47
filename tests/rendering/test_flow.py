"""The Mermaid flow diagram of a report, from hand-made records: which boxes
and arrows are drawn for FPN, C4, OHEM and the test path, what the arrows
say, and that every line of the block is valid Mermaid."""
import re

import pytest

from mmdet_frcnn_annotated.knowledge.stages import stage_family
from mmdet_frcnn_annotated.rendering.flow import render_flow
from mmdet_frcnn_annotated.rendering.stage_report import render_report
from mmdet_frcnn_annotated.tracefile import TraceRecord

LEVELS = {2: (64, 80), 3: (32, 40), 4: (16, 20), 5: (8, 10), 6: (4, 5)}

NODE = re.compile(r'^    (?P<id>[A-Za-z_][A-Za-z0-9_]*)'
                  r'\["(?P<label>[^"]*)"\]$')
EDGE = re.compile(r'^    (?P<src>[A-Za-z_][A-Za-z0-9_]*) -->'
                  r'(?:\|"(?P<label>[^"]+)"\|)? '
                  r'(?P<dst>[A-Za-z_][A-Za-z0-9_]*)$')
KEYWORDS = {'end', 'graph', 'flowchart', 'subgraph', 'style', 'class',
            'classdef', 'click', 'linkstyle', 'default', 'direction'}


def _t(stage, name, shape, symbolic=None, phase='train'):
    return TraceRecord('tensor', phase, 0, stage, name, list(shape),
                       None if symbolic is None else
                       [str(s) for s in symbolic], ok=True)


def _stats(stage, name, values, phase='train'):
    return TraceRecord('stats', phase, 0, stage, name, values=values)


def _wrap(body, phase='train'):
    tensors = sum(r.kind == 'tensor' for r in body)
    return ([TraceRecord('symbols', phase, 0, values={'N': 2}),
             TraceRecord('config', phase, 0, values=dict(
                 neck='FPN', roi_layer='RoIAlign'))] + body +
            [TraceRecord('summary', phase, 0, values=dict(
                tensors=tensors, mismatches=0, errors=[]))])


def _front(neck=True, levels=(2, 3, 4, 5), phase='train'):
    """Input, backbone and (FPN) neck records of a batch of 2."""
    body = [_t('input', 'img', (2, 3, 256, 320), 'N3HW', phase)]
    if phase == 'train':
        body += [_t('input', 'gt_bboxes[0]', (4, 4), ('G_0', 4)),
                 _t('input', 'gt_labels[0]', (4, ), ('G_0', ))]
    for lvl in levels:
        c = 256 * 2**(lvl - 2)
        body.append(_t('backbone', f'C{lvl}', (2, c) + LEVELS[lvl],
                       ('N', c, f'h_{lvl}', f'w_{lvl}'), phase))
    if neck:
        for lvl in (2, 3, 4, 5, 6):
            body.append(_t('neck', f'P{lvl}', (2, 256) + LEVELS[lvl],
                           ('N', 256, f'h_{lvl}', f'w_{lvl}'), phase))
    return body


def _rpn(levels=(2, 3, 4, 5, 6), phase='train'):
    body = []
    for lvl in levels:
        h, w = LEVELS[lvl]
        body += [
            _t(f'rpn_head/forward/P{lvl}', 'cls_score', (2, 3, h, w),
               ('N', 'A*1', f'h_{lvl}', f'w_{lvl}'), phase),
            _t(f'rpn_head/forward/P{lvl}', 'bbox_pred', (2, 12, h, w),
               ('N', 'A*4', f'h_{lvl}', f'w_{lvl}'), phase)
        ]
    if phase == 'train':
        for lvl in levels:
            h, w = LEVELS[lvl]
            body.append(_t(f'rpn_head/anchors/P{lvl}', 'anchors',
                           (h * w * 3, 4), (f'h_{lvl}*w_{lvl}*A', 4)))
        body += [
            _stats('rpn_head/targets/img0', 'assignment', {'positive': 3}),
            _t('rpn_head/targets/batch', 'labels P2', (2, 15360),
               ('N', 'h_2*w_2*A')),
            _t('rpn_head/loss/P2', 'loss_cls', (), ()),
        ]
    body += [
        _t('rpn_head/proposals/batch', 'scores', (2, 5260), ('N', 'M'),
           phase),
        _t('rpn_head/proposals', 'proposal_list[0]', (1000, 5), ('K_0', 5),
           phase),
        _t('rpn_head/proposals', 'proposal_list[1]', (998, 5), ('K_1', 5),
           phase),
    ]
    return body


def _roi(rows, feats=(256, 7, 7), shared=None, phase='train', prefix=''):
    """RoIs, RoIAlign, (shared head,) box head of ``rows`` rois."""
    stage = f'roi_head{prefix}'
    body = [
        _t(f'{stage}/rois', 'rois (batch index, x1, y1, x2, y2)', (1024, 5),
           (rows, 5), phase),
        _stats(f'{stage}/bbox_roi_extractor', 'rois per level',
               {'P2': 1000, 'P3': 20, 'P4': 4, 'P5': 0}, phase),
        _t(f'{stage}/bbox_roi_extractor', 'bbox_feats (RoIAlign)',
           (1024, ) + feats, (rows, ) + feats, phase),
    ]
    if shared:
        body.append(_t(f'{stage}/shared_head', 'bbox_feats (shared head)',
                       (1024, ) + shared, (rows, shared[0], 'ceil(14/2)',
                                           'ceil(14/2)'), phase))
    body += [
        _t(f'{stage}/bbox_head', 'cls_score', (1024, 4), (rows, 'C+1'),
           phase),
        _t(f'{stage}/bbox_head', 'bbox_pred', (1024, 12), (rows, '4*C'),
           phase),
    ]
    return body


def _roi_train_tail():
    return [
        _t('roi_head/targets', 'labels', (1024, ), ('R', )),
        _t('roi_head/targets', 'bbox_targets', (1024, 4), ('R', 4)),
        _t('roi_head/loss', 'loss_cls', (), ()),
    ]


def _sampling():
    return [
        _t('roi_head/sampling/img0', 'pos_bboxes', (24, 4), ('Pr_0', 4)),
        _t('roi_head/sampling/img0', 'neg_bboxes', (488, 4), ('Qr_0', 4)),
    ]


def fpn_train():
    return _wrap(_front() + _rpn() + _sampling() + _roi('R') +
                 _roi_train_tail())


def fpn_test():
    return _wrap(_front(phase='val') + _rpn(phase='val') +
                 _roi('R', phase='val') + [
                     _t('roi_head/detections/img0', 'det_bboxes', (100, 5),
                        ('D_0', 5), 'val'),
                     _stats('roi_head/detections', 'per-class result list',
                            {'images': 1}, 'val')
                 ], 'val')


def c4_train():
    return _wrap(_front(neck=False, levels=(4, )) + _rpn(levels=(4, )) +
                 _sampling() + _roi('R', feats=(1024, 14, 14),
                                    shared=(2048, 7, 7)) + _roi_train_tail())


def ohem_train():
    hard = _roi('Oh_0', prefix='/hard_examples/0')
    hard += _roi('Oh_1', prefix='/hard_examples/1')
    return _wrap(_front() + _rpn() + _sampling()[:1] + hard +
                 _sampling()[1:] + _roi('R') + _roi_train_tail())


def _block(lines):
    start = lines.index('```mermaid')
    end = lines.index('```', start + 1)
    return lines[start + 1:end]


def _graph(records):
    """Boxes {label: id} and arrows {(source label, target label): text}
    of the diagram, every line checked against Mermaid's syntax."""
    block = _block(render_flow(records))
    assert block[0] == 'flowchart TD'
    nodes, edges = {}, {}
    for line in block[1:]:
        node, edge = NODE.match(line), EDGE.match(line)
        assert node or edge, f'not a node or an edge line: {line!r}'
        if node:
            assert node['id'] not in nodes.values(), line
            assert node['id'].lower() not in KEYWORDS, line
            nodes[node['label']] = node['id']
        else:
            names = {v: k for k, v in nodes.items()}
            assert edge['src'] in names and edge['dst'] in names, line
            edges[names[edge['src']], names[edge['dst']]] = edge['label']
    return nodes, edges


@pytest.mark.parametrize('stage, family', [
    ('input', 'input'),
    ('rpn_head/forward/P2', 'rpn_head/forward'),
    ('rpn_head/targets/img1', 'rpn_head/targets'),
    ('rpn_head/proposals/batch', 'rpn_head/proposals'),
    ('rpn_head/proposals', 'rpn_head/proposals'),
    ('roi_head/hard_examples/3/bbox_head', 'roi_head/hard_examples'),
    ('roi_head/detections/img12', 'roi_head/detections'),
    ('something/new/P7/img0', 'something/new'),
])
def test_stage_family(stage, family):
    assert stage_family(stage) == family


def test_fpn_training_arrows_follow_the_data():
    nodes, edges = _graph(fpn_train())
    assert list(nodes) == [
        'input', 'backbone', 'neck (FPN)', 'RPN head', 'anchors',
        'RPN targets (assign + sample)', 'RPN loss', 'proposals (NMS)',
        'RoI sampling', 'RoIs', 'RoIAlign', 'box head', 'RoI targets',
        'RoI loss'
    ]
    assert set(edges) == {
        ('input', 'backbone'), ('backbone', 'neck (FPN)'),
        ('neck (FPN)', 'RPN head'),
        ('input', 'RPN targets (assign + sample)'),
        ('anchors', 'RPN targets (assign + sample)'),
        ('RPN head', 'RPN loss'),
        ('RPN targets (assign + sample)', 'RPN loss'),
        ('RPN head', 'proposals (NMS)'), ('anchors', 'proposals (NMS)'),
        ('proposals (NMS)', 'RoI sampling'), ('input', 'RoI sampling'),
        ('RoI sampling', 'RoIs'), ('RoIs', 'RoIAlign'),
        ('neck (FPN)', 'RoIAlign'), ('RoIAlign', 'box head'),
        ('RoI sampling', 'RoI targets'), ('box head', 'RoI loss'),
        ('RoI targets', 'RoI loss')
    }


def test_labels_are_symbolic_then_concrete():
    _, edges = _graph(fpn_train())
    assert edges['input', 'backbone'] == (
        'img (N, 3, H, W) = (2, 3, 256, 320)')
    assert edges['RoI sampling', 'RoIs'] == 'rois (R, 5) = (1024, 5)'
    assert edges['box head', 'RoI loss'] == (
        'cls_score (R, C+1) = (1024, 4)<br/>'
        'bbox_pred (R, 4*C) = (1024, 12)')
    assert edges['RoI targets', 'RoI loss'] == (
        'labels (R,) = (1024,)<br/>bbox_targets (R, 4) = (1024, 4)')
    # two proposal lists: both, each with its own symbol
    assert edges['proposals (NMS)', 'RoI sampling'] == (
        'proposal_list[0] (K_0, 5) = (1000, 5)<br/>'
        'proposal_list[1] (K_1, 5) = (998, 5)')


def test_many_levels_show_first_and_last():
    _, edges = _graph(fpn_train())
    assert edges['backbone', 'neck (FPN)'] == (
        'C2 (N, 256, h_2, w_2) = (2, 256, 64, 80)<br/>'
        '… C5 (N, 2048, h_5, w_5) = (2, 2048, 8, 10)')
    to_rpn = edges['neck (FPN)', 'RPN head']
    assert to_rpn.startswith('P2 (N, 256, h_2, w_2) = (2, 256, 64, 80)')
    assert to_rpn.endswith('… P6 (N, 256, h_6, w_6) = (2, 256, 4, 5)')
    # one name from several levels: the level follows the name
    assert edges['anchors', 'RPN targets (assign + sample)'] == (
        'anchors P2 (h_2*w_2*A, 4) = (15360, 4)<br/>'
        '… anchors P6 (h_6*w_6*A, 4) = (60, 4)')
    assert 'cls_score P2 (N, A*1, h_2, w_2) = (2, 3, 64, 80)' in edges[
        'RPN head', 'RPN loss']


def test_roialign_gets_the_levels_it_pools_from():
    _, edges = _graph(fpn_train())
    label = edges['neck (FPN)', 'RoIAlign']
    assert label.endswith('… P5 (N, 256, h_5, w_5) = (2, 256, 8, 10)')
    assert 'P6' not in label


def test_absent_stages_give_no_box():
    body = [r for r in fpn_train()[1:-1]
            if not r.stage.startswith(('neck', 'rpn_head/anchors'))]
    nodes, edges = _graph(_wrap(body))
    assert 'neck (FPN)' not in nodes and 'anchors' not in nodes
    assert not [e for e in edges if 'neck (FPN)' in e or 'anchors' in e]
    # without a neck, the backbone feeds both heads
    assert ('backbone', 'RPN head') in edges
    assert ('backbone', 'RoIAlign') in edges


def test_c4_backbone_feeds_heads_and_shared_head_sits_before_box_head():
    nodes, edges = _graph(c4_train())
    assert 'neck (FPN)' not in nodes
    assert edges['backbone', 'RPN head'] == (
        'C4 (N, 1024, h_4, w_4) = (2, 1024, 16, 20)')
    assert edges['backbone', 'RoIAlign'] == edges['backbone', 'RPN head']
    assert edges['RoIAlign', 'shared head'] == (
        'bbox_feats (R, 1024, 14, 14) = (1024, 1024, 14, 14)')
    assert edges['shared head', 'box head'] == (
        'bbox_feats (R, 2048, ceil(14/2), ceil(14/2)) = (1024, 2048, 7, 7)')
    assert ('RoIAlign', 'box head') not in edges


def test_test_path_draws_detections_and_no_losses():
    nodes, edges = _graph(fpn_test())
    assert 'detections' in nodes
    for absent in ('RPN loss', 'RoI loss', 'RoI sampling', 'RoI targets',
                   'anchors', 'RPN targets (assign + sample)'):
        assert absent not in nodes
    assert edges['box head', 'detections'].startswith(
        'cls_score (R, C+1) = (1024, 4)')
    # no sampling: the proposals are the rois
    assert edges['proposals (NMS)', 'RoIs'].startswith('proposal_list[0]')
    assert ('input', 'backbone') in edges


def test_ohem_forwards_are_one_box_between_sampling_and_back():
    nodes, edges = _graph(ohem_train())
    assert list(nodes).count('OHEM hard-example scoring') == 1
    assert len(nodes) == len(_graph(fpn_train())[0]) + 1
    assert edges['RoI sampling', 'OHEM hard-example scoring'] == (
        'rois pass 0 (Oh_0, 5) = (1024, 5)<br/>'
        'rois pass 1 (Oh_1, 5) = (1024, 5)')
    assert ('OHEM hard-example scoring', 'RoI sampling') in edges
    # the batch's own rois still come from sampling
    assert edges['RoI sampling', 'RoIs'] == 'rois (R, 5) = (1024, 5)'


@pytest.mark.parametrize('records', [fpn_train, fpn_test, c4_train,
                                     ohem_train])
def test_block_is_a_fenced_mermaid_flowchart(records):
    lines = render_flow(records())
    assert lines[0] == '## Flow'
    start = lines.index('```mermaid')
    assert lines[start + 1] == 'flowchart TD'
    assert lines[-2:] == ['```', '']
    assert all(line != '```' for line in lines[start + 1:-2])
    _graph(records())  # every line a node or an edge, ends declared


def test_unknown_stage_and_odd_names_are_escaped():
    body = _front() + [
        _t('mystery/"odd" <b>#1/P2', 'x', (3, ), ('X', )),
        _t('input', 'img "copy" <2>', (1, ), None),
    ]
    lines = render_flow(_wrap(body))
    nodes, edges = _graph(_wrap(body))
    assert 'mystery/#quot;odd#quot; #lt;b#gt;#35;1' in nodes
    assert ('img #quot;copy#quot; #lt;2#gt; (1,)' in
            edges['input', 'backbone'].split('<br/>'))
    assert not any('<b>' in line or '"copy"' in line for line in lines)


def test_line_break_in_a_name_stays_on_its_line():
    body = [_t('input', 'img|a;b\nc', (1, ), None)] + _front()[1:]
    _, edges = _graph(_wrap(body))
    assert edges['input', 'backbone'] == 'img|a;b c (1,)'


def test_shape_without_symbols_is_shown_alone():
    body = [_t('input', 'img', (2, 3, 8, 8), None),
            _t('backbone', 'C2', (2, 256, 2, 2), None)]
    _, edges = _graph(_wrap(body))
    assert edges['input', 'backbone'] == 'img (2, 3, 8, 8)'


def test_edge_without_matching_tensor_has_no_label():
    body = [_stats('backbone', 'counts', {'x': 1}),
            _t('neck', 'P2', (2, 256, 2, 2), ('N', 256, 'h_2', 'w_2'))]
    block = _block(render_flow(_wrap(body)))
    assert block[-1] == '    s_backbone --> s_neck'


def test_nothing_to_draw():
    assert render_flow(_wrap([])) == []
    assert render_flow(_wrap(_front()[:1])) == []  # one box, no arrow
    calls = [TraceRecord('call', 'train', 0, 'listing', 'f'),
             TraceRecord('loss', 'train', 0, 'losses', 'loss',
                         values={'value': 1.0})]
    assert render_flow(_wrap(_front()[:1] + calls)) == []


def test_report_puts_flow_after_symbols_before_stages():
    text = render_report(fpn_train())
    symbols, flow = text.index('## Symbols'), text.index('## Flow')
    assert symbols < flow < text.index('## Stages')
    assert '```mermaid\nflowchart TD\n' in text[flow:]
