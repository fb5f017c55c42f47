"""Distributed training.

- The entry point with ``--launcher`` on a machine without CUDA stops with
  an error that names the problem, before ``init_dist``.
- One train step of the annotated detector in two CPU processes (gloo),
  wrapped as mmdet wraps it for distributed training, with rank 1 tracing
  the step and rank 0 not: no hang, one complete trace file, and the
  averaged gradients equal those of the same step in a single process.
"""
import datetime
import logging
import os
import os.path as osp
import socket
import time

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from conftest import (TOY_CONFIG, TRAIN_BOXES, TRAIN_LABELS, TRAIN_SIZES,
                      _losses_and_grads, build_model, demo_inputs)

from mmdet_frcnn_annotated.cli import train_command as train_cli
from mmdet_frcnn_annotated.tracefile import read_trace

WORLD_SIZE = 2
TRACING_RANK = 1
JOIN_TIMEOUT = 120  # seconds for both ranks: start, one step, write
COLLECTIVE_TIMEOUT = datetime.timedelta(seconds=90)

# What each launcher's branch of mmcv's init_dist reads before it divides
# by torch.cuda.device_count().
LAUNCHER_ENV = {
    'pytorch': dict(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0',
                    MASTER_ADDR='127.0.0.1', MASTER_PORT='29500'),
    'slurm': dict(SLURM_PROCID='0', SLURM_NTASKS='1',
                  SLURM_NODELIST='localhost', LOCAL_RANK='0'),
    'mpi': dict(OMPI_COMM_WORLD_RANK='0', LOCAL_RANK='0'),
}


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='the error is for machines without '
    'CUDA')
@pytest.mark.parametrize('launcher', sorted(LAUNCHER_ENV))
def test_launcher_without_cuda_names_the_problem(launcher, tmp_path,
                                                 monkeypatch):
    for key, value in LAUNCHER_ENV[launcher].items():
        monkeypatch.setenv(key, value)
    work_dir = tmp_path / 'work'
    with pytest.raises(SystemExit) as exc:
        train_cli.main([
            TOY_CONFIG, '--work-dir',
            str(work_dir), '--launcher', launcher
        ])
    message = str(exc.value.code)
    assert f'distributed training (--launcher {launcher}) needs CUDA' in \
        message
    assert 'init_dist' in message and 'train_detector' in message
    assert 'train without --launcher' in message
    # stopped before init_dist and before anything was written
    assert not dist.is_initialized()
    assert not work_dir.exists()


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _rank_step(rank, port, tmp):
    """One rank: the annotated detector wrapped as mmdet 2.11's
    ``train_detector`` wraps it, the ShapeTraceHook's set-up for this rank,
    one ``train_step`` and its backward. Writes its loss, log_vars and
    gradients to ``<tmp>/rank<r>.pth``."""
    torch.set_num_threads(1)  # the single-process reference uses 1 thread
    os.environ.update(
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=str(port),
        RANK=str(rank),
        WORLD_SIZE=str(WORLD_SIZE))
    # the timeout makes a collective that one rank never joins fail
    dist.init_process_group(
        'gloo', rank=rank, world_size=WORLD_SIZE, timeout=COLLECTIVE_TIMEOUT)
    try:
        from mmcv.parallel import MMDistributedDataParallel
        from mmcv.runner import IterBasedRunner

        from mmdet_frcnn_annotated import ShapeTraceHook

        model = build_model(
            True, seed=10 + rank, trace=dict(out_dir=osp.join(tmp, 'trace')))
        model.load_state_dict(torch.load(osp.join(tmp, 'state.pth')))
        # mmdet 2.11's train_detector: MMDistributedDataParallel(
        # model.cuda(), device_ids=[torch.cuda.current_device()],
        # broadcast_buffers=False, find_unused_parameters=cfg.get(
        # 'find_unused_parameters', False)). On a CPU module torch's DDP
        # takes device_ids=None, and mmcv 1.3.17's train_step then calls
        # module.train_step(*inputs, **kwargs) without its scatter (it
        # scatters only when device_ids is set), so the inputs must already
        # be plain tensors, as demo_inputs makes them (a DataContainer batch
        # of mmdet's data loader would reach the detector unscattered).
        # find_unused_parameters keeps mmdet's default, False:
        # every trainable parameter of Faster R-CNN gets a gradient in a
        # train step (checked in the parent), which is what DDP's reducer
        # needs without the search for unused parameters.
        ddp = MMDistributedDataParallel(
            model,
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=False)
        runner = IterBasedRunner(
            ddp,
            work_dir=osp.join(tmp, f'work_rank{rank}'),
            logger=logging.getLogger(f'test_distributed.rank{rank}'))
        # rank 1 traces iteration 0; rank 0 only iteration 1, never reached
        hook = ShapeTraceHook(
            iterations=[0] if rank == TRACING_RANK else [1], interval=0)
        hook.before_run(runner)
        hook.before_train_iter(runner)  # runner.iter == 0
        inputs = demo_inputs(TRAIN_SIZES, TRAIN_BOXES, TRAIN_LABELS)
        ddp.train()
        ddp.zero_grad()
        torch.manual_seed(1)  # the samplers draw from torch's generator
        outputs = ddp.train_step(inputs, None)
        # rank 0 back-propagates twice the loss, rank 1 none of it: only
        # DDP's average of the two gives the single-process gradient
        # (exactly: scaling by 2 and halving are exact in floating point)
        scale = 2.0 if rank == 0 else 0.0
        (outputs['loss'] * scale).backward()
        hook.after_run(runner)
        torch.save(
            dict(
                loss=outputs['loss'].detach(),
                log_vars=dict(outputs['log_vars']),
                grads={
                    name: p.grad.clone()
                    for name, p in model.named_parameters()
                    if p.grad is not None
                }), osp.join(tmp, f'rank{rank}.pth'))
    finally:
        dist.destroy_process_group()


def _run_ranks(tmp):
    port = _free_port()
    context = mp.spawn(
        _rank_step, args=(port, tmp), nprocs=WORLD_SIZE, join=False)
    deadline = time.monotonic() + JOIN_TIMEOUT
    try:
        # join() returns as soon as one rank ends; it raises with the rank's
        # traceback when a rank failed
        while not context.join(timeout=max(deadline - time.monotonic(), 1)):
            if time.monotonic() >= deadline:
                alive = [
                    rank for rank, p in enumerate(context.processes)
                    if p.is_alive()
                ]
                pytest.fail(f'ranks {alive} still running after '
                            f'{JOIN_TIMEOUT} s: the step hangs when rank '
                            f'{TRACING_RANK} traces and the other does not')
    finally:
        for process in context.processes:
            if process.is_alive():
                process.kill()
            process.join()


def test_one_rank_traces_the_other_not(tmp_path):
    tmp = str(tmp_path)
    reference = build_model(True, trace=dict(phases=[]))
    torch.save(reference.state_dict(), osp.join(tmp, 'state.pth'))

    _run_ranks(tmp)

    # the same step in this process, on one thread as each rank
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _, grads, log_vars = _losses_and_grads(
            reference, demo_inputs(TRAIN_SIZES, TRAIN_BOXES, TRAIN_LABELS))
    finally:
        torch.set_num_threads(threads)
    trainable = {n for n, p in reference.named_parameters() if p.requires_grad}
    assert set(grads) == trainable  # no unused parameter for DDP's reducer

    # identical batches on both ranks, losses scaled by 2 and 0: the average
    # is the single-process gradient, bit for bit; the losses _parse_losses
    # logs are all-reduced over the ranks (train_step logs more than them)
    for rank in range(WORLD_SIZE):
        result = torch.load(osp.join(tmp, f'rank{rank}.pth'))
        assert {k: result['log_vars'].get(k)
                for k in log_vars} == log_vars, rank
        assert result['loss'].item() == log_vars['loss'], rank
        assert set(result['grads']) == set(grads), rank
        unequal = [
            name for name, grad in grads.items()
            if not torch.equal(result['grads'][name], grad)
        ]
        assert unequal == [], rank

    # only the tracing rank wrote, and its iteration is complete
    trace_dir = osp.join(tmp, 'trace')
    pictures = ['anchors', 'input', 'proposals', 'roi_samples', 'rpn_targets']
    assert sorted(os.listdir(trace_dir)) == sorted([
        'trace_rank1.jsonl', 'train_iter0_rank1.listing.en.md',
        'train_iter0_rank1.listing.zh.md', 'train_iter0_rank1.md',
        'train_iter0_rank1.zh.md', 'train_iter0_rank1.html'
    ] + [f'train_iter0_rank1.{kind}.png' for kind in pictures])
    path = osp.join(trace_dir, 'trace_rank1.jsonl')
    (group, ) = read_trace(path)
    with open(path, encoding='utf-8') as f:
        lines = [line for line in f if line.strip()]
    summary = group[-1]
    assert (group[0].kind, group[0].phase, group[0].iteration) == ('symbols',
                                                                   'train', 0)
    assert summary.kind == 'summary'
    # the step's records, and the pictures record the renderer added
    assert summary.values['records'] + 1 == len(group) == len(lines)
    assert [r.kind for r in group[-2:]] == ['pictures', 'summary']
    assert summary.values['mismatches'] == 0
    assert summary.values['errors'] == []
    assert 'listing' not in summary.values  # the line capture ran
    assert summary.values['functions'] > 0
    assert {r.name: r.values['value']
            for r in group if r.kind == 'loss'} == log_vars
