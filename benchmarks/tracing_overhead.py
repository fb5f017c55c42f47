"""Cost of the shape trace on one batch, in one process.

Alternates a train step (forward, loss, backward) of stock FasterRCNN, the
annotated model with tracing off, with tracing on every step without the
annotated listing and the pictures (``stages``), with the listing's line
capture (``listing``), and with the listing and the pictures (``on``), all
with one state_dict and one batch, and prints the median times and their
ratios to stock. A traced step only records; its pages and pictures are
rendered afterwards by the tracer's worker thread, which the benchmark lets
finish between steps (untimed) and times on its own. For each traced
variant it also prints the training thread's time in the tracer after the
step (handing the records over to the worker) and the worker's time per
step (writing the JSON lines, drawing the pictures, writing the pages and
the study page).
The batch is noise, which PNG compresses worst: on real images the
pictures cost less. Then runs
``--memory-iters`` traced steps and prints how much resident memory grew
after the warm-up, the peak resident memory, and the size of the JSON
lines of one traced iteration.

    python benchmarks/tracing_overhead.py [--rounds 10] [--memory-iters 50]
        [--size 320 320] [--batch 2] [--variants off stages listing on]
        [--open-page] [--family faster|mask|cascade|cascade_mask]

``--family mask`` times Mask R-CNN (the toy Mask R-CNN model against stock
MaskRCNN, each box with a disc-shaped mask) in the same way; ``cascade``
and ``cascade_mask`` the toy Cascade R-CNN (and Cascade Mask R-CNN) against
stock CascadeRCNN.

Targets (CPU, R50-FPN, 320x320, 2 images): tracing off <= 1.01x stock,
a traced step with the listing, its value summaries, the pictures and the
study page <= 1.10x stock, resident
memory growth <= 5 MB over 50 traced iterations with rendering off the
step, JSON lines of one traced train iteration <= 120 KB.
"""
import argparse
import copy
import ctypes
import gc
import os
import os.path as osp
import resource
import statistics
import sys
import tempfile
import time

import torch

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..',
                            'tests'))
from conftest import (build_model, cascade_model_config,  # noqa
                      count_host_syncs, demo_inputs, mask_model_config,
                      with_disc_masks)


def build(family, annotated, trace=None):
    """The stock or annotated model of ``family``, seeded."""
    if family == 'faster':
        return build_model(annotated, trace=trace)
    from mmdet.models import build_detector

    import mmdet_frcnn_annotated  # noqa: F401  registers the types
    torch.manual_seed(0)
    if family == 'mask':
        return build_detector(mask_model_config(annotated, trace))
    return build_detector(cascade_model_config(
        annotated, trace, mask=family == 'cascade_mask'))


def rss_mb():
    """Resident set size in MB (Linux /proc), after a garbage collection
    and glibc's malloc_trim, so that freed heap pages are not counted."""
    gc.collect()
    try:
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except OSError:
        pass
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 2**20


def open_page(path):
    """Load, scroll and switch the language of a study page in headless
    Chromium (the test suite's), and print how long each took."""
    from browser import Opened, chromium
    with chromium() as browser:
        start = time.perf_counter()
        opened = Opened(browser, path)
        page = opened.page
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        page.evaluate('() => window.scrollTo(0, document.body.scrollHeight)')
        page.evaluate('() => new Promise(r => requestAnimationFrame(r))')
        scrolled = time.perf_counter() - start
        start = time.perf_counter()
        page.click('label[for=lang-zh]')
        page.evaluate('() => new Promise(r => requestAnimationFrame(r))')
        switched = time.perf_counter() - start
        badges = page.locator('.badge').count()
        print(f'study page in Chromium: loaded in {loaded:.2f} s, scrolled '
              f'to its end in {scrolled:.2f} s, switched to 中文 in '
              f'{switched:.2f} s; {badges} badges, console messages: '
              f'{len(opened.messages)}')
        opened.close()


def step(model, inputs):
    """Seconds of one train step (forward, loss, backward); the pages and
    pictures of a traced step are rendered after it, untimed."""
    model.zero_grad()
    torch.manual_seed(0)
    start = time.perf_counter()
    outputs = model.train_step(copy.deepcopy(inputs), None)
    outputs['loss'].backward()
    elapsed = time.perf_counter() - start
    if hasattr(model, 'tracer'):
        model.tracer.wait()
    return elapsed


VARIANTS = ('off', 'stages', 'listing', 'on')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--memory-iters', type=int, default=50)
    parser.add_argument('--size', type=int, nargs=2, default=[320, 320])
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument(
        '--open-page', action='store_true',
        help='open the study page of iteration 0 in headless Chromium and '
        'time its loading, a scroll to its end and a language switch')
    parser.add_argument(
        '--variants', nargs='+', default=list(VARIANTS), choices=VARIANTS,
        help='which steps to time (stock is always one); the memory and '
        'size figures need "on"')
    parser.add_argument('--family', default='faster',
                        choices=('faster', 'mask', 'cascade', 'cascade_mask'),
                        help='Faster R-CNN, Mask R-CNN, Cascade R-CNN or '
                        'Cascade Mask R-CNN')
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count())

    h, w = args.size
    boxes = [[[16, 24, 112, 136], [150, 60, 300, 200]]] * args.batch
    labels = [[0, 2]] * args.batch
    inputs = demo_inputs([(h, w)] * args.batch, boxes, labels)
    if args.family in ('mask', 'cascade_mask'):
        inputs = with_disc_masks(inputs)
    out_dir = tempfile.mkdtemp(prefix='trace_bench_')
    family = args.family
    models = dict(
        stock=build(family, False),
        off=build(family, True, trace=dict(phases=[])),
        stages=build(
            family, True,
            trace=dict(
                interval=1,
                listing=False,
                pictures=False,
                out_dir=tempfile.mkdtemp(prefix='trace_bench_stages_'))),
        listing=build(
            family, True,
            trace=dict(
                interval=1,
                pictures=False,
                out_dir=tempfile.mkdtemp(prefix='trace_bench_listing_'))),
        on=build(family, True, trace=dict(interval=1, out_dir=out_dir)))
    models = {name: model for name, model in models.items()
              if name == 'stock' or name in args.variants}
    state = models['stock'].state_dict()
    for model in models.values():
        model.load_state_dict(state)
        model.train()

    times = {name: [] for name in models}
    names = list(models)
    for round_index in range(args.warmup + args.rounds):
        # rotate the order so that no variant always runs first
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed = step(models[name], inputs)
            if round_index >= args.warmup:
                times[name].append(elapsed)
    median = {name: statistics.median(t) for name, t in times.items()}
    print(f'{family} train step, N={args.batch} at {h}x{w}, {args.rounds} '
          f'rounds after {args.warmup} warm-up, {torch.get_num_threads()} '
          'threads')
    for name in models:
        # the machine's speed drifts: the ratio within each round, where
        # the variants ran one after the other, is steadier than the
        # ratio of the medians
        paired = statistics.median(
            a / b for a, b in zip(times[name], times['stock']))
        print(f'  {name:>6}: median {median[name]:.3f} s   '
              f'ratio to stock {median[name] / median["stock"]:.4f}   '
              f'median ratio within a round {paired:.4f}')
    print('per traced step: training thread in the tracer after the step '
          '(hand-over) and the worker thread (JSON lines, pictures, pages):')
    for name in models:
        tracer = getattr(models[name], 'tracer', None)
        if tracer is None or not tracer.step_seconds:
            continue
        after = statistics.median(tracer.step_seconds)
        render = statistics.median(tracer.render_seconds or [0.0])
        print(f'  {name:>6}: training thread {after:.3f} s after the step '
              f'(step - stock: {median[name] - median["stock"]:+.3f} s), '
              f'rendering {render:.3f} s off the step')

    print('host-device synchronising calls in one train step '
          '(Tensor.item, .tolist, .cpu, .numpy, .nonzero, bool(), '
          'torch.nonzero):')
    for name in names:
        with count_host_syncs() as counts:
            step(models[name], inputs)
        print(f'  {name:>6}: {sum(counts.values())}  ' + ', '.join(
            f'{k} {v}' for k, v in counts.items() if v))

    if 'on' not in models:
        return
    traced = models['on']
    jsonl = traced.tracer.jsonl_path
    traced.tracer.close()
    page = osp.join(out_dir, 'train_iter0.html')
    print(f'study page of one train iteration (pictures embedded): '
          f'{osp.getsize(page) / 1e6:.2f} MB ({page})')
    if args.open_page:
        open_page(page)
    if args.memory_iters < 6:
        return
    size_before = osp.getsize(jsonl)
    traced_so_far = args.warmup + args.rounds + 1
    pictures = [osp.join(out_dir, name) for name in os.listdir(out_dir)
                if name.startswith('train_iter0.') and name.endswith('.png')]
    for name in [name for name in models if name != 'on']:
        del models[name]
    warm = 5
    for index in range(args.memory_iters):
        step(traced, inputs)
        if index + 1 == warm:
            rss_warm = rss_mb()
    rss_end = rss_mb()
    traced.tracer.close()
    per_iter = (osp.getsize(jsonl) - size_before) / args.memory_iters
    print(f'traced iterations: {args.memory_iters} more after '
          f'{traced_so_far}; resident memory {rss_warm:.1f} MB after '
          f'{warm}, {rss_end:.1f} MB after {args.memory_iters}: growth '
          f'{rss_end - rss_warm:+.2f} MB over {args.memory_iters - warm}')
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'peak resident memory {peak:.0f} MB')
    print(f'JSON lines per traced train iteration (stages and line capture): '
          f'{per_iter / 1e3:.1f} KB')
    listing = osp.join(out_dir, 'train_iter0.listing.en.md')
    print(f'annotated listing of one train iteration: '
          f'{osp.getsize(listing) / 1e3:.1f} KB per language')
    print(f'pictures of one train iteration: {len(pictures)} PNG files, '
          f'{sum(map(osp.getsize, pictures)) / 1e3:.1f} KB together')


if __name__ == '__main__':
    main()
