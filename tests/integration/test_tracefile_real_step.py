"""A real traced step through the trace file's compact form."""
import json

from mmdet_frcnn_annotated.tracefile import decode, encode


def test_a_real_step_reads_back_equal_and_compact(stepped_models):
    """The stepped models' train step: every record read back from the
    file equals the record the tracer wrote, field for field, and shared
    values are written once."""
    records = stepped_models['trace']['train']
    written = [r for r in records if r.kind != 'pictures']
    read = decode(encode(written))
    assert read == written
    # key order too: the pages follow it
    assert [json.dumps(r.to_dict()) for r in read] == [
        json.dumps(r.to_dict()) for r in written]
    text = encode(written)
    plain = ''.join(json.dumps(r.to_dict(), separators=(',', ':'),
                               ensure_ascii=False) + '\n' for r in written)
    assert len(text) < 0.6 * len(plain)
    head = json.loads(text.splitlines()[0])
    assert head['kind'] == 'symbols' and head['shared'] and head['origins']
