"""Train a detector from an mmdet 2.11 config, as mmdetection's
``tools/train.py`` does, through mmdet's public API (pip's mmdet ships no
``tools/``). The flags are the same::

    python -m mmdet_frcnn_annotated.train CONFIG [--work-dir DIR]
        [--resume-from CKPT] [--no-validate] [--gpus N | --gpu-ids I ...]
        [--seed S] [--deterministic] [--cfg-options k=v ...]
        [--launcher {none,pytorch,slurm,mpi}] [--local_rank R]
"""
import argparse
import copy
import os
import os.path as osp
import time

import mmcv
import torch
from mmcv import DictAction
from mmcv.runner import get_dist_info, init_dist
from mmdet import __version__ as mmdet_version
from mmdet.apis import set_random_seed, train_detector
from mmdet.datasets import build_dataset
from mmdet.models import build_detector
from mmdet.utils import collect_env, get_root_logger

from ..hooks import resume_on_cpu
from .configs import read_config


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='folder for logs and checkpoints')
    parser.add_argument('--resume-from', help='checkpoint to resume from')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='skip the evaluation during training')
    gpus = parser.add_mutually_exclusive_group()
    gpus.add_argument('--gpus', type=int, help='number of GPUs (single '
                      'machine, not distributed)')
    gpus.add_argument('--gpu-ids', type=int, nargs='+', help='GPU ids '
                      '(single machine, not distributed)')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic cuDNN settings')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='key=value pairs merged into the config')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_config(args):
    """The config with the command line applied, plugins imported."""
    cfg = read_config(args.config, args.cfg_options)
    if cfg.get('cudnn_benchmark', False):
        torch.backends.cudnn.benchmark = True
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        name = osp.splitext(osp.basename(args.config))[0]
        cfg.work_dir = osp.join('./work_dirs', name)
    if args.resume_from is not None:
        cfg.resume_from = args.resume_from
    if args.gpu_ids is not None:
        cfg.gpu_ids = args.gpu_ids
    else:
        cfg.gpu_ids = range(args.gpus if args.gpus is not None else 1)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args)
    distributed = args.launcher != 'none'
    if distributed:
        _init_distributed(args, cfg)
    mmcv.mkdir_or_exist(osp.abspath(cfg.work_dir))
    cfg.dump(osp.join(cfg.work_dir, osp.basename(args.config)))
    timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
    logger = get_root_logger(
        log_file=osp.join(cfg.work_dir, f'{timestamp}.log'),
        log_level=cfg.log_level)
    meta = _log_run(args, cfg, logger, distributed)

    checkpoint = resume_on_cpu(cfg)
    if checkpoint:
        logger.info(f'CUDA is unavailable: resuming from {checkpoint} onto '
                    f'the CPU when the run starts (ResumeOnCpuHook)')
    model = build_detector(
        cfg.model, train_cfg=cfg.get('train_cfg'),
        test_cfg=cfg.get('test_cfg'))
    datasets = _datasets(cfg)
    model.CLASSES = datasets[0].CLASSES
    train_detector(
        model,
        datasets,
        cfg,
        distributed=distributed,
        validate=not args.no_validate,
        timestamp=timestamp,
        meta=meta)
    return cfg


def _init_distributed(args, cfg):
    # mmcv 1.3's init_dist puts rank r on GPU r % torch.cuda.device_count()
    # (a ZeroDivisionError without a GPU); mmdet 2.11's train_detector
    # wraps the model as MMDistributedDataParallel(model.cuda(),
    # device_ids=[torch.cuda.current_device()]) and DistEvalHook gathers
    # results through CUDA tensors. None of it has a CPU path.
    if not torch.cuda.is_available():
        raise SystemExit(
            f'distributed training (--launcher {args.launcher}) needs '
            f'CUDA, which is not available here: mmcv\'s init_dist puts '
            f'each rank on a GPU, and mmdet 2.11\'s train_detector wraps '
            f'the model for a GPU device and gathers distributed '
            f'evaluation results on the GPU. On a CPU, train without '
            f'--launcher (one process).')
    init_dist(args.launcher, **cfg.dist_params)
    cfg.gpu_ids = range(get_dist_info()[1])


def _log_run(args, cfg, logger, distributed):
    """Log the environment and the config, seed the run; the run's meta."""
    env_info = '\n'.join(f'{k}: {v}' for k, v in collect_env().items())
    logger.info(f'Environment info:\n{env_info}')
    logger.info(f'Distributed training: {distributed}')
    logger.info(f'Config:\n{cfg.pretty_text}')
    if args.seed is not None:
        logger.info(f'Set random seed to {args.seed}, '
                    f'deterministic: {args.deterministic}')
        set_random_seed(args.seed, deterministic=args.deterministic)
    cfg.seed = args.seed
    return dict(
        env_info=env_info,
        config=cfg.pretty_text,
        seed=args.seed,
        exp_name=osp.basename(args.config))


def _datasets(cfg):
    """The training set (and the validation set with the training pipeline
    for a two-phase workflow), as mmdetection's tools/train.py builds them."""
    datasets = [build_dataset(cfg.data.train)]
    if len(cfg.workflow) == 2:
        val_cfg = copy.deepcopy(cfg.data.val)
        val_cfg.pipeline = cfg.data.train.pipeline
        datasets.append(build_dataset(val_cfg))
    if cfg.checkpoint_config is not None:
        cfg.checkpoint_config.meta = dict(
            mmdet_version=mmdet_version, CLASSES=datasets[0].CLASSES)
    return datasets


if __name__ == '__main__':
    main()
