"""The knowledge tables agree with each other: every watched function has
its texts and its shapes, every stage family its label, note and place in
the flow, and both languages say something for the same keys."""
import re

import pytest

from mmdet_frcnn_annotated.knowledge import texts
from mmdet_frcnn_annotated.knowledge.line_shapes import CONCRETE_ONLY, SHAPES
from mmdet_frcnn_annotated.knowledge.stages import (EDGES, FAMILIES, PICTURES,
                                                    STAGES)
from mmdet_frcnn_annotated.knowledge.watched import WATCHED

LISTED = {spec.split(':', 1)[1]: entry for spec, entry in WATCHED.items()}


def _explained_as(name):
    """The text key of a listed function: a re-implementation is explained
    under the mmdet function it reproduces."""
    entry = LISTED[name]
    return entry.reproduces.split(':', 1)[1] if entry.reproduces else name


@pytest.mark.parametrize('language', texts.LANGUAGES)
def test_every_watched_function_is_explained(language):
    missing = sorted(name for name in LISTED
                     if not texts.text(language, _explained_as(name)))
    assert missing == []


def test_every_explanation_is_of_a_watched_function():
    """A key is a listed function's, or its Cascade R-CNN form
    (``<function>@cascade``)."""
    keys = {key.split('@')[0] for key in texts.sections('functions', 'en')}
    named = {_explained_as(name) for name in LISTED}
    assert sorted(keys - named) == []
    assert sorted(key for key in texts.sections('functions', 'en')
                  if '@' in key and not key.endswith('@cascade')) == []


def test_every_watched_function_has_shapes_or_says_why_not():
    shaped = {key.split('@')[0] for key in SHAPES}
    missing = sorted(set(LISTED) - shaped - set(CONCRETE_ONLY))
    assert missing == []
    # and nothing is both, or concrete-only without a reason
    assert sorted(shaped & set(CONCRETE_ONLY)) == []
    assert all(reason.strip() for reason in CONCRETE_ONLY.values())
    assert sorted(set(CONCRETE_ONLY) - set(LISTED)) == []


def test_shape_tables_name_listed_functions_only():
    assert sorted({key.split('@')[0] for key in SHAPES} - set(LISTED)) == []


def test_both_languages_have_the_same_keys():
    en, zh = set(texts.texts('en')), set(texts.texts('zh'))
    assert sorted(en - zh) == [] and sorted(zh - en) == []


@pytest.mark.parametrize('language', texts.LANGUAGES)
def test_every_stage_family_has_a_label_and_its_notes(language):
    words = texts.texts(language)
    for stage in STAGES:
        assert words.get(stage.label_key), stage.family
        variants = [key for key in words
                    if key == stage.family
                    or (key.startswith(stage.family + '@')
                        and not key.startswith(stage.label_key))]
        assert variants, stage.family


def test_every_variant_a_config_can_pick_has_a_text():
    settings = [
        dict(rpn_use_sigmoid=s, num_shared_fcs=f, reg_class_agnostic=a,
             neck=n, fpn_extra_convs=False, rcnn_sampler=r, rpn_sampling=p)
        for s in (True, False) for f in (0, 2) for a in (True, False)
        for n in ('FPN', 'PAFPN') for r in ('RandomSampler', 'OHEMSampler')
        for p in (True, False)]
    settings += [dict(facts, num_stages=3, mask_upsample='deconv',
                      mask_scale=2) for facts in settings[:4]]
    words = texts.texts('en')
    for facts in settings:
        for stage in STAGES:
            assert stage.note_key(facts) in words, (stage.family, facts)


def test_flow_edges_join_known_families():
    for edge in EDGES:
        assert {edge.source, edge.target, edge.family} <= set(FAMILIES)
        assert edge.unless is None or edge.unless in FAMILIES
    assert len(set(FAMILIES)) == len(FAMILIES)
    assert {family for _, family in PICTURES} <= set(FAMILIES)


@pytest.mark.parametrize('language', texts.LANGUAGES)
def test_every_picture_has_a_caption(language):
    for kind, _ in PICTURES:
        assert texts.text(language, f'@picture_{kind}'), kind


@pytest.mark.parametrize('kind', ['stages', 'report', 'glossary', 'page',
                                  'behaviours', 'study', 'functions'])
def test_placeholders_agree_between_languages(kind):
    """A value one language states, the other states too."""
    en, zh = texts.sections(kind, 'en'), texts.sections(kind, 'zh')
    names = re.compile(r'(?<!\{)\{(\w+)\}(?!\})')
    differ = sorted(key for key in en
                    if set(names.findall(en[key])) != set(
                        names.findall(zh.get(key, ''))))
    assert differ == []


# A backticked identifier or dotted name (`loss_cls`, `self.sampling`).
_IDENTIFIER = re.compile(r'`([A-Za-z_][A-Za-z0-9_.]*)(?:\(\))?`')


@pytest.mark.parametrize('kind', ['functions', 'stages', 'behaviours'])
def test_both_languages_name_the_same_code(kind):
    """The two languages state one set of facts: each section names the
    same mmdet identifiers in both."""
    en, zh = texts.sections(kind, 'en'), texts.sections(kind, 'zh')
    differ = {}
    for key in en:
        a = set(_IDENTIFIER.findall(en[key]))
        b = set(_IDENTIFIER.findall(zh.get(key, '')))
        if a != b:
            differ[key] = (sorted(a - b), sorted(b - a))
    assert differ == {}
