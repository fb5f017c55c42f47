"""The trace file: encoding, the tolerant reader, the named descriptions."""
import json

import pytest

from mmdet_frcnn_annotated.tracefile import (SCHEMA_VERSION, MappingDesc,
                                             ObjectDesc, SequenceDesc,
                                             TensorDesc, TraceRecord,
                                             TraceWriter, ValueDesc, decode,
                                             describe_from_json,
                                             describe_to_json, encode,
                                             pictures_of, read_trace)


def _step(iteration, phase='train', pictures=False):
    records = [TraceRecord('symbols', phase, iteration, values={'N': 2}),
               TraceRecord('tensor', phase, iteration, stage='input',
                           name='img', shape=[2, 3, 8, 8])]
    records.append(TraceRecord('summary', phase, iteration,
                               values={'records': 3}))
    if pictures:
        records.append(TraceRecord('pictures', phase, iteration, values={
            'pictures': [{'kind': 'input', 'file': 'x.png'}]}))
    return records


def test_encode_decode_round_trip_keeps_every_field():
    records = _step(0)
    text = encode(records)
    assert text.count('\n') == 3
    assert decode(text) == records
    # empty fields are left out of a line
    assert 'shape' not in json.loads(text.splitlines()[0])


@pytest.mark.parametrize('desc, data', [
    (TensorDesc([2, 3], 'float32'), ['T', [2, 3], 'float32']),
    (ValueDesc(7), ['V', 7]),
    (SequenceDesc('list', 2, [ValueDesc(1), None]),
     ['L', 'list', 2, [['V', 1], None]]),
    (MappingDesc({'a': ValueDesc(True)}), ['D', {'a': ['V', True]}]),
    (ObjectDesc('AssignResult', {'num_gts': ValueDesc(3)}),
     ['O', 'AssignResult', {'num_gts': ['V', 3]}]),
])
def test_descriptions_have_names_and_keep_their_json(desc, data):
    assert describe_to_json(desc) == data
    assert describe_from_json(data) == desc
    assert describe_from_json(json.loads(json.dumps(data))) == desc


def test_unknown_description_tag_is_an_error():
    with pytest.raises(ValueError, match="'X'"):
        describe_from_json(['X', 1])


def test_reader_puts_late_pictures_before_the_summary(tmp_path):
    path = str(tmp_path / 'trace_rank0.jsonl')
    writer = TraceWriter(path)
    step0, step1 = _step(0, pictures=True), _step(1)
    writer.write(step0[:-1])
    writer.write(step1)
    writer.write(step0[-1:])  # the render worker writes it later
    writer.close()
    groups = read_trace(path)
    assert [[r.kind for r in g] for g in groups] == [
        ['symbols', 'tensor', 'pictures', 'summary'],
        ['symbols', 'tensor', 'summary']]
    assert pictures_of(groups[0]) == [{'kind': 'input', 'file': 'x.png'}]
    assert pictures_of(groups[1]) == []


def test_reader_leaves_out_torn_lines_and_cut_steps(tmp_path):
    path = tmp_path / 'trace_rank0.jsonl'
    complete, cut = encode(_step(0)), encode(_step(1)[:2])
    path.write_text(complete + cut + '{"kind": "summ')
    problems = []
    groups = read_trace(str(path), problems)
    assert [g[0].iteration for g in groups] == [0]
    assert len(problems) == 2
    assert 'line(s) [6]' in problems[0]
    assert "('train', 1)" in problems[1]
    # a writer appending to a torn file starts a fresh line
    writer = TraceWriter(str(path))
    writer.write(_step(2))
    writer.close()
    assert [g[0].iteration for g in read_trace(str(path))] == [0, 2]


def test_reader_names_another_schema_version(tmp_path):
    path = tmp_path / 't.jsonl'
    data = _step(0)[0].to_dict()
    data['schema_version'] = 1
    path.write_text(json.dumps(data) + '\n')
    with pytest.raises(ValueError, match=r't.jsonl:1: .*schema_version 1;'
                       f'.* {SCHEMA_VERSION}'):
        read_trace(str(path))
