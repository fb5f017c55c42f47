"""tools/test.py runs single_gpu_test and no hooks: the detector traces the
test path by itself from the model's `trace` settings."""
import copy
import os.path as osp

import torch
from conftest import TOY_CONFIG
from mmcv import Config
from mmcv.parallel import MMDataParallel
from mmdet.apis import single_gpu_test
from mmdet.datasets import build_dataloader, build_dataset
from mmdet.models import build_detector

from mmdet_frcnn_annotated.datasets import toy_shapes
from mmdet_frcnn_annotated.tracefile import read_trace


def test_single_gpu_test_writes_a_test_trace(tmp_path):
    data_root = str(tmp_path / 'toy')
    toy_shapes.generate(data_root, splits={'val': 3})
    cfg = Config.fromfile(TOY_CONFIG)
    out_dir = str(tmp_path / 'trace')
    cfg.model.trace.out_dir = out_dir
    test_cfg = copy.deepcopy(cfg.data.test)
    test_cfg.ann_file = osp.join(data_root, 'annotations', 'val.json')
    test_cfg.img_prefix = osp.join(data_root, 'val')
    test_cfg.test_mode = True
    dataset = build_dataset(test_cfg)
    loader = build_dataloader(
        dataset, samples_per_gpu=1, workers_per_gpu=0, dist=False,
        shuffle=False)
    torch.manual_seed(0)
    model = build_detector(cfg.model, test_cfg=cfg.get('test_cfg'))
    model.CLASSES = dataset.CLASSES
    results = single_gpu_test(MMDataParallel(model, device_ids=[0]), loader)
    assert len(results) == 3 and len(results[0]) == 3
    model.tracer.close()
    groups = read_trace(osp.join(out_dir, 'trace_rank0.jsonl'))
    # test_batches=[0]: only the first of three batches
    assert [(g[0].phase, g[0].iteration) for g in groups] == [('test', 0)]
    assert groups[0][-1].values['mismatches'] == 0
    assert osp.exists(osp.join(out_dir, 'test_iter0.md'))
    assert 'bbox_mAP' in dataset.evaluate(results, metric='bbox')
