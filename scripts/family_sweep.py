"""One traced train step and one traced test step of each config of a
folder of mmdet 2.11 configs (a family: ``configs/mask_rcnn``,
``configs/cascade_rcnn`` of an mmdetection v2.11.0 checkout), each against
stock mmdet, and a markdown row per config::

    python scripts/family_sweep.py CONFIG_DIR [--only PATTERN] [--size H W]

Each config's model is built twice with one seeded random initialisation
(no pretrained weights): stock, and with the annotated types swapped in as
``walkthrough`` swaps them. Both run a training forward and backward and a
test step on the same two synthetic images (the second smaller, so the
batch is padded; the first with two objects whose masks are discs), with
the annotated one traced (line capture on). A row gives the records and
listed functions of each step, the mismatches, recording errors and
listing disagreements (all expected 0), the known mmdet behaviours met,
and whether losses, gradients and results equal stock's.
"""
import argparse
import copy
import glob
import os.path as osp
import sys
import tempfile

import numpy as np
import torch
from mmcv import Config

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

from mmdet_frcnn_annotated.cli.configs import annotated_model  # noqa: E402
from mmdet_frcnn_annotated.runtime.recorder import recording  # noqa: E402
from mmdet_frcnn_annotated.tracefile import read_trace  # noqa: E402

STOCK_TYPES = {'AnnotatedFasterRCNN': 'FasterRCNN',
               'AnnotatedMaskRCNN': 'MaskRCNN',
               'AnnotatedCascadeRCNN': 'CascadeRCNN'}


def _inputs(sizes, with_masks):
    from mmdet.core import BitmapMasks
    pad_h = max(h for h, _ in sizes)
    pad_w = max(w for _, w in sizes)
    pad_h, pad_w = (-(-pad_h // 32) * 32, -(-pad_w // 32) * 32)
    rng = np.random.RandomState(0)
    img = torch.from_numpy(rng.uniform(
        -1, 1, (len(sizes), 3, pad_h, pad_w)).astype(np.float32))
    h, w = sizes[0]
    boxes = [[[0.1 * w, 0.1 * h, 0.5 * w, 0.7 * h],
              [0.55 * w, 0.2 * h, 0.95 * w, 0.8 * h]], []]
    metas = [dict(img_shape=(sh, sw, 3), ori_shape=(sh, sw, 3),
                  pad_shape=(pad_h, pad_w, 3),
                  scale_factor=np.ones(4, dtype=np.float32), flip=False,
                  flip_direction=None, filename=f'sweep_{i}.png')
             for i, (sh, sw) in enumerate(sizes)]
    data = dict(img=img, img_metas=metas,
                gt_bboxes=[torch.tensor(b, dtype=torch.float32).reshape(-1, 4)
                           for b in boxes],
                gt_labels=[torch.tensor([0, 1][:len(b)]) for b in boxes])
    if with_masks:
        yy, xx = np.mgrid[0:pad_h, 0:pad_w]
        masks = []
        for per_image in data['gt_bboxes']:
            discs = [((xx - (x1 + x2) / 2)**2 + (yy - (y1 + y2) / 2)**2 <=
                      (min(x2 - x1, y2 - y1) / 2)**2)
                     for x1, y1, x2, y2 in per_image.tolist()]
            array = np.stack(discs).astype(np.uint8) if discs else np.zeros(
                (0, pad_h, pad_w), np.uint8)
            masks.append(BitmapMasks(array, pad_h, pad_w))
        data['gt_masks'] = masks
    return data


def _stock(model):
    model = copy.deepcopy(model)
    model.type = STOCK_TYPES[model.type]
    model.rpn_head.type = 'RPNHead'
    model.roi_head.type = model.roi_head.type.replace('Annotated', '')
    model.pop('trace', None)
    return model


def _train(model, data):
    """Losses and gradients of one training forward and backward."""
    model.train()
    model.zero_grad()
    torch.manual_seed(1)
    losses = model(**copy.deepcopy(data), return_loss=True)
    loss, _ = model._parse_losses(losses)
    loss.backward()
    return losses, {n: p.grad.clone() for n, p in model.named_parameters()
                    if p.grad is not None}


def _test(model, data):
    """The results of one test step (traced when the model's settings
    trace test steps)."""
    model.eval()
    with torch.no_grad():
        return model(img=[data['img']], img_metas=[data['img_metas']],
                     return_loss=False, rescale=True)


def _flat(value):
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in _flat(item)]
    if isinstance(value, dict):
        return [x for key in sorted(value) for x in _flat(value[key])]
    return [np.asarray(value.detach() if torch.is_tensor(value) else value)]


def _same(a, b):
    a, b = _flat(a), _flat(b)
    return len(a) == len(b) and all(
        x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))


def _listing_counts(path):
    with open(path, encoding='utf-8') as f:
        line = next(line for line in f if 'functions listed;' in line)
    words = line.split()
    return int(words[0]), int(words[words.index('disagreeing,') - 1])


def run(path, sizes):
    from mmdet.models import build_detector

    cfg = Config.fromfile(path)
    model = annotated_model(copy.deepcopy(cfg.model))
    model.pretrained = None
    with_masks = bool(model.roi_head.get('mask_head'))
    data = _inputs(sizes, with_masks)
    out_dir = tempfile.mkdtemp(prefix='sweep_')
    torch.manual_seed(0)
    stock = build_detector(_stock(model))
    traced = build_detector(dict(copy.deepcopy(model),
                                 trace=dict(out_dir=out_dir)))
    traced.load_state_dict(stock.state_dict())
    stock_losses, stock_grads = _train(stock, data)
    stock_results = _test(stock, data)
    rec = traced.tracer.start_train()
    with recording(rec), traced.tracer.capture(rec):
        losses, grads = _train(traced, data)
    traced.tracer.finish(rec)
    results = _test(traced, data)
    traced.tracer.close()
    equal = (_same(stock_losses, losses) and _same(stock_grads, grads)
             and _same(stock_results, results))
    row = []
    problems, known = 0, set()
    for records in read_trace(osp.join(out_dir, 'trace_rank0.jsonl')):
        phase = records[0].phase
        tensors = [r for r in records if r.kind == 'tensor']
        problems += len(records[-1].values.get('errors', []))
        problems += sum(1 for r in tensors if r.ok is False and not r.known)
        known.update(f'{r.known} ({phase})' for r in tensors if r.known)
        functions, disagreeing = _listing_counts(
            osp.join(out_dir, f'{phase}_iter0.listing.en.md'))
        problems += disagreeing
        row.append(f'{len(tensors)} / {functions}')
    return row, problems, sorted(known), equal


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config_dir')
    parser.add_argument('--only', default='*.py')
    parser.add_argument('--size', type=int, nargs=2, default=(128, 160))
    args = parser.parse_args(argv)
    import mmdet_frcnn_annotated  # noqa: F401
    h, w = args.size
    sizes = [(h, w), (h * 3 // 4, w)]
    print('| config | train step: tensors / functions listed | test step: '
          'tensors / functions listed | mismatches, recording errors, '
          'listing disagreements | known behaviours met | equal to stock |')
    print('| --- | --- | --- | --- | --- | --- |')
    failed = 0
    for path in sorted(glob.glob(osp.join(args.config_dir, args.only))):
        name = osp.splitext(osp.basename(path))[0]
        try:
            row, problems, known, equal = run(path, sizes)
        except Exception as err:  # a config that cannot run here
            print(f'| `{name}` | not run: {type(err).__name__}: '
                  f'{str(err)[:120]} | | | | |', flush=True)
            failed += 1
            continue
        failed += bool(problems) or not equal
        print(f'| `{name}` | {row[0]} | {row[1]} | {problems} | '
              f'{", ".join(known) or "—"} | {"yes" if equal else "NO"} |',
              flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
