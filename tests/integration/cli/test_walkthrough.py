"""The walkthrough command end to end on the toy config (with and without
images), and ``report diff`` of its trace against the same config with
one anchor ratio, the shapes worked out by hand."""
import os.path as osp

import pytest
from conftest import TOY_CONFIG

from mmdet_frcnn_annotated.cli import report_command as report_cli
from mmdet_frcnn_annotated.cli import walkthrough_command as walkthrough
from mmdet_frcnn_annotated.tracefile import read_trace

# The toy config: 2 images per batch, resized and padded to 256 x 320
# (toy images are 256 x 320); FPN levels P2..P6 at strides 4..64.
CELLS = {2: 64 * 80, 3: 32 * 40, 4: 16 * 20, 5: 8 * 10, 6: 4 * 5}
NMS_PRE = 2000  # train_cfg.rpn_proposal.nms_pre of the R50-FPN config


@pytest.fixture(scope='module')
def walked(tmp_path_factory):
    """The walkthrough of the toy config, and of the same config with
    anchor ratios [1.0] (listing off there: the diff reads stages only)."""
    base = tmp_path_factory.mktemp('walkthrough')
    three = walkthrough.main([TOY_CONFIG, '--out-dir', str(base / 'three'),
                              '--language', 'zh'])
    one = walkthrough.main([
        TOY_CONFIG, '--out-dir', str(base / 'one'), '--cfg-options',
        'model.rpn_head.anchor_generator.ratios=[1.0]',
        'model.trace.listing=False'
    ])
    return dict(three=three, one=one, base=base)


def test_walkthrough_writes_train_and_test_step(walked, capsys):
    files = walked['three']
    groups = read_trace(files['trace'][0])
    assert [(g[0].phase, g[0].iteration) for g in groups] == [('train', 0),
                                                              ('test', 0)]
    assert all(g[-1].values['mismatches'] == 0 for g in groups)
    names = [osp.basename(p) for kind in ('reports', 'listings', 'pictures')
             for p in files[kind]]
    assert names == [
        'train_iter0.md', 'test_iter0.md', 'train_iter0.listing.zh.md',
        'test_iter0.listing.zh.md', 'train_iter0.input.png',
        'train_iter0.anchors.png', 'train_iter0.rpn_targets.png',
        'train_iter0.proposals.png', 'train_iter0.roi_samples.png',
        'test_iter0.input.png', 'test_iter0.proposals.png',
        'test_iter0.detections.png'
    ]
    assert all(osp.isfile(p) for kind in files for p in files[kind])
    # the study pages come first (they are printed in this order)
    assert list(files)[0] == 'pages'
    assert [osp.basename(p) for p in files['pages']] == [
        'train_iter0.html', 'test_iter0.html']
    # the toy dataset's class names reach the trace
    train = groups[0]
    classes = [r.values['classes'] for r in train
               if r.kind == 'boxes' and r.name == 'class names']
    assert classes == [['square', 'disc', 'triangle']]


def test_walkthrough_of_given_images_runs_the_test_path(walked, capsys):
    image = osp.join(osp.dirname(TOY_CONFIG), '..', '..', 'data',
                     'toy_shapes', 'val')
    paths = sorted(osp.join(image, name) for name in
                   __import__('os').listdir(image))[:1]
    out_dir = str(walked['base'] / 'images')
    files = walkthrough.main([TOY_CONFIG, '--img'] + paths +
                             ['--out-dir', out_dir, '--language', 'en'])
    groups = read_trace(files['trace'][0])
    assert [(g[0].phase, g[0].iteration) for g in groups] == [('test', 0)]
    assert groups[0][0].values['N'] == 1
    assert [osp.basename(p) for p in files['pictures']] == [
        'test_iter0.input.png', 'test_iter0.proposals.png',
        'test_iter0.detections.png'
    ]
    err = capsys.readouterr().err
    assert '[1/3]' in err and '[3/3] traced test step' in err
    assert 'in roi_head/detections' in err


def test_walkthrough_errors_name_the_problem(tmp_path):
    with pytest.raises(SystemExit, match='no image at .*missing.png'):
        walkthrough.main([TOY_CONFIG, '--img', str(tmp_path / 'missing.png'),
                          '--out-dir', str(tmp_path)])
    with pytest.raises(SystemExit,
                       match="model.roi_head.type is 'HybridTaskCascade"):
        walkthrough.main([
            TOY_CONFIG, '--out-dir', str(tmp_path), '--cfg-options',
            'model.roi_head.type=HybridTaskCascadeRoIHead'])


def test_trace_diffed_with_itself_has_no_difference(walked, capsys):
    trace = walked['three']['trace'][0]
    text = report_cli.main(['diff', trace, trace])
    assert text.count('Nothing differs') >= 1
    assert '| A |' not in text


def test_diff_of_one_anchor_ratio(walked, capsys):
    a, b = walked['three']['trace'][0], walked['one']['trace'][0]
    text = report_cli.main(['diff', a, b, '--phase', 'train'])
    # A = len(scales) x len(ratios): 1 x 3 -> 1 x 1
    assert '| A | 3 | 1 |' in text
    # T = sum_l h_l * w_l * A anchors per image
    cells = sum(CELLS.values())  # 6820
    assert f'| T | {3 * cells} | {cells} |' in text
    # M = sum_l min(h_l * w_l * A, nms_pre) candidates before NMS
    m_three = sum(min(c * 3, NMS_PRE) for c in CELLS.values())  # 5260
    m_one = sum(min(c, NMS_PRE) for c in CELLS.values())  # 3700
    assert f'| M | {m_three} | {m_one} |' in text
    # the RPN's outputs lose two thirds of their channels at every level
    for level, cells_l in CELLS.items():
        h, w = {2: (64, 80), 3: (32, 40), 4: (16, 20), 5: (8, 10),
                6: (4, 5)}[level]
        assert (f'| cls_score | (2, 3, {h}, {w}) | (2, 1, {h}, {w}) | '
                f'(N, A*1, h_{level}, w_{level}) | '
                f'(N, A*1, h_{level}, w_{level}) |') in text
        assert f'| bbox_pred | (2, 12, {h}, {w}) | (2, 4, {h}, {w}) |' in text
        assert (f'| anchors | ({cells_l * 3}, 4) | ({cells_l}, 4) |') in text
    # the backbone and the neck do not depend on the anchors
    assert '`backbone`' not in text and '`neck`' not in text
