"""One traced step of any Faster R-CNN, Mask R-CNN or Cascade (Mask) R-CNN
config, for study, without a training run::

    python -m mmdet_frcnn_annotated.walkthrough CONFIG [--checkpoint CKPT]
        [--img PATH ...] [--out-dir DIR] [--language {en,zh} ...]
        [--cfg-options k=v ...] [--device cpu]

Builds the model of CONFIG (a stock ``FasterRCNN``, ``MaskRCNN`` or
``CascadeRCNN`` config works: its detector and heads are swapped for the
annotated ones), then

- without ``--img``: takes the first ``samples_per_gpu`` items of the
  config's training set, runs one traced training forward and backward
  (no optimizer step), and one traced test step of the same images through
  the test pipeline;
- with ``--img``: runs one traced test step of the given images (no ground
  truth, so no training step).

It writes the trace, the stage reports, the annotated listings and the
pictures into ``--out-dir`` (default ``work_dirs/walkthrough/<config>``),
shows the stage it is in while it runs, and prints where everything is.
Without ``--checkpoint`` the weights are a seeded random initialisation
(the config's pretrained backbone is not downloaded): the shapes, the
anchors, the assignment of anchors to ground truth and the sampling are
those of any run; the scores are not those of a trained model.
"""
import argparse
import copy
import os
import os.path as osp
import sys
import time

import torch
from mmcv import DictAction
from mmcv.parallel import DataContainer, collate
from mmcv.runner import load_checkpoint

from ..knowledge.texts import LANGUAGES
from ..rendering.pages import html_name, listing_name, report_name, step_name
from ..tracefile import pictures_of, read_trace
from .configs import annotated_model, read_config


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='One traced training step and one traced test step of '
        'a Faster R-CNN config: trace, reports, listing and pictures')
    parser.add_argument(
        'config', help='an mmdet 2.11 Faster R-CNN, Mask R-CNN or Cascade '
        'R-CNN config')
    parser.add_argument('--checkpoint', help='weights to load')
    parser.add_argument(
        '--img', nargs='+', help='images to run through the test pipeline '
        '(test path only); default: the first items of the training set')
    parser.add_argument('--out-dir', help='output folder (default '
                        'work_dirs/walkthrough/<config name>)')
    parser.add_argument(
        '--language', nargs='+', choices=LANGUAGES, default=list(LANGUAGES),
        help='languages of the annotated listing (default: all)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='key=value pairs merged into the config, e.g. '
        'model.rpn_head.anchor_generator.ratios=[1.0]')
    parser.add_argument('--device', default='cpu', help='cpu or cuda:0')
    return parser.parse_args(argv)


class Progress:
    """Numbered steps on stderr, and the stage a traced step is in on one
    line that rewrites itself."""

    def __init__(self, total, stream=None):
        self.total = total
        self.stream = stream
        self.index = 0
        self.started = None
        self.stage = None

    def step(self, text):
        self.done()
        self.index += 1
        self.started = time.perf_counter()
        self.stage = None
        self._write(f'[{self.index}/{self.total}] {text}', end='\n')

    def on_stage(self, stage):
        family = '/'.join(stage.split('/')[:2])
        if family != self.stage:
            self.stage = family
            self._write(f'      in {family:<40}', end='\r')

    def done(self):
        if self.started is not None:
            seconds = time.perf_counter() - self.started
            self._write(f'      done in {seconds:.1f} s{" " * 36}', end='\n')
            self.started = None

    def _write(self, text, end):
        stream = self.stream or sys.stderr
        stream.write(text + end)
        stream.flush()


def build(cfg, args, out_dir, progress):
    """The annotated model of ``cfg`` tracing into ``out_dir``."""
    from mmdet.models import build_detector

    import mmdet_frcnn_annotated  # noqa: F401  registers the types
    try:
        annotated_model(cfg.model)
    except ValueError as err:
        raise SystemExit(f'{args.config}: {err}') from None
    trace = dict(cfg.model.get('trace') or {})
    trace.update(iterations=[0], interval=0, phases=['train', 'test'],
                 test_batches=[0], out_dir=out_dir, language=args.language)
    cfg.model.trace = trace
    cfg.model.pretrained = None  # no download; --checkpoint gives weights
    torch.manual_seed(0)
    model = build_detector(cfg.model, train_cfg=cfg.get('train_cfg'),
                           test_cfg=cfg.get('test_cfg'))
    if args.checkpoint:
        if not osp.isfile(args.checkpoint):
            raise SystemExit(f'no checkpoint at {args.checkpoint}')
        checkpoint = load_checkpoint(model, args.checkpoint,
                                     map_location='cpu')
        model.CLASSES = checkpoint.get('meta', {}).get('CLASSES')
    model.tracer.on_stage = progress.on_stage
    return model.to(args.device)


def training_batch(cfg, config_path):
    """The first ``samples_per_gpu`` items of the training set, collated,
    and the dataset's class names."""
    from mmdet.datasets import build_dataset
    try:
        dataset = build_dataset(cfg.data.train)
    except (FileNotFoundError, OSError) as err:
        raise SystemExit(
            f'the training set of {config_path} is not available ({err}); '
            f'give images with --img to walk through the test path') from None
    count = min(cfg.data.get('samples_per_gpu', 2), len(dataset))
    items = [dataset[index] for index in range(count)]
    return _unwrapped(collate(items, samples_per_gpu=count)), dataset.CLASSES


def test_batch(cfg, paths):
    """``paths`` through the test pipeline, collated as one batch (padded
    to the largest image, as mmdet's batch inference does)."""
    from mmdet.datasets import replace_ImageToTensor
    from mmdet.datasets.pipelines import Compose
    missing = [path for path in paths if not osp.isfile(path)]
    if missing:
        raise SystemExit(f'no image at {", ".join(missing)}')
    pipeline = Compose(
        replace_ImageToTensor(copy.deepcopy(cfg.data.test.pipeline)))
    items = [
        pipeline(dict(img_info=dict(filename=path), img_prefix=None))
        for path in paths
    ]
    return _unwrapped(collate(items, samples_per_gpu=len(items)))


def _unwrapped(data):
    """Collated DataContainers as the detector takes them on one device."""
    def unwrap(value):
        if isinstance(value, list):
            return [unwrap(v) for v in value]
        return value.data[0] if isinstance(value, DataContainer) else value

    return {key: unwrap(value) for key, value in data.items()}


def _to(value, device):
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, list):
        return [_to(v, device) for v in value]
    return value


def dataset_classes(cfg):
    """Class names of the config's test dataset type, without its files."""
    from mmdet.datasets import DATASETS
    kind = DATASETS.get(cfg.data.test.get('type', ''))
    return getattr(kind, 'CLASSES', None)


def main(argv=None):
    args = parse_args(argv)
    name = osp.splitext(osp.basename(args.config))[0]
    out_dir = args.out_dir or osp.join('work_dirs', 'walkthrough', name)
    progress = Progress(3 if args.img else 4)
    progress.step(f'reading {args.config} and building its model')
    cfg = read_config(args.config, args.cfg_options)
    model = build(cfg, args, out_dir, progress)
    trace_path = model.tracer.jsonl_path
    if osp.isfile(trace_path):
        os.remove(trace_path)  # a walkthrough writes a trace of its own

    if args.img:
        progress.step(f'reading {len(args.img)} image(s) through the test '
                      f'pipeline')
        paths = args.img
        if getattr(model, 'CLASSES', None) is None:
            model.CLASSES = dataset_classes(cfg)
    else:
        progress.step('taking the first items of the training set')
        batch, classes = training_batch(cfg, args.config)
        if getattr(model, 'CLASSES', None) is None:
            model.CLASSES = classes
        paths = [meta['filename'] for meta in batch['img_metas']]
        progress.step(f'traced training step: forward and backward of '
                      f'{len(paths)} image(s), no optimizer step')
        model.train()
        torch.manual_seed(0)
        outputs = model.train_step(_to(batch, args.device), None)
        outputs['loss'].backward()
    test = test_batch(cfg, paths)
    progress.step(f'traced test step of {len(paths)} image(s)')
    model.eval()
    with torch.no_grad():
        model(return_loss=False, rescale=True, **_to(test, args.device))
    model.tracer.close()
    progress.done()
    return _print_outputs(out_dir, trace_path,
                          model.tracer.settings.language)


def _print_outputs(out_dir, trace_path, languages):
    """Print and return the files of the walkthrough, by kind: the study
    pages first (open them in a browser), then the rest."""
    files = dict(pages=[], trace=[trace_path], reports=[], listings=[],
                 pictures=[])
    for records in read_trace(trace_path):
        step = step_name(records[0].phase, records[0].iteration)
        page = osp.join(out_dir, html_name(step))
        if osp.isfile(page):
            files['pages'].append(page)
        for language in languages:
            files['reports'].append(osp.join(
                out_dir, report_name(step, language, languages)))
            listing = osp.join(out_dir, listing_name(step, language))
            if osp.isfile(listing):
                files['listings'].append(listing)
        files['pictures'] += [
            osp.join(out_dir, picture['file'])
            for picture in pictures_of(records)
        ]
    for kind, paths in files.items():
        if paths:
            print(f'{kind}:')
            print('\n'.join(f'  {path}' for path in paths))
    return files


if __name__ == '__main__':
    main()
