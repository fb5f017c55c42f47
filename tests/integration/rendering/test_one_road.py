"""One road to every page: the live run and the report command write the
same bytes from the same records, and a report links only to pictures
that are where it is."""
import filecmp
import os
import os.path as osp

from mmdet_frcnn_annotated.cli import report_command as report_cli


def _pages(folder):
    return sorted(name for name in os.listdir(folder)
                  if name.endswith(('.md', '.png', '.html')))


def test_report_command_writes_the_live_pages_byte_for_byte(
        stepped_models, tmp_path):
    live = stepped_models['out_dir']
    again = str(tmp_path / 'again')
    report_cli.main([osp.join(live, 'trace_rank0.jsonl'), '--out-dir', again])
    names = _pages(live)
    # both steps, both languages: reports, listings, and the pictures copied
    assert {'train_iter0.md', 'train_iter0.zh.md', 'test_iter0.md',
            'test_iter0.zh.md', 'train_iter0.listing.en.md',
            'test_iter0.listing.zh.md', 'train_iter0.proposals.png',
            'train_iter0.html', 'test_iter0.html'} <= set(
                names)
    assert _pages(again) == names
    _, mismatch, errors = filecmp.cmpfiles(live, again, names, shallow=False)
    assert mismatch == [] and errors == []


def test_a_re_render_without_the_pictures_names_them_absent(
        stepped_models, tmp_path):
    live = stepped_models['out_dir']
    trace = tmp_path / 'only' / 'trace_rank0.jsonl'
    trace.parent.mkdir()
    trace.write_bytes(open(osp.join(live, 'trace_rank0.jsonl'), 'rb').read())
    report_cli.main([str(trace)])  # beside the trace, no pictures there
    report = (trace.parent / 'train_iter0.md').read_text()
    assert '](train_iter0.proposals.png)' not in report
    assert '`train_iter0.proposals.png` is not in this folder' in report
    assert not [n for n in os.listdir(str(trace.parent)) if n.endswith('.png')]
