"""The meaning of each symbol, in both languages."""
import pytest

from mmdet_frcnn_annotated.knowledge.symbols import glossary_keys, meaning


@pytest.mark.parametrize('language, symbol, said', [
    ('en', 'h_3', 'ceil(H / 2^3), height of level 3'),
    ('en', 'Pr_1', 'RoI positives sampled in image 1'),
    ('en', 'Oh_2', 'forward number 2'),
    ('zh', 'w_4', 'ceil(W / 2^4)，第 4 层特征图的宽'),
    ('zh', 'G_0', '图像 0 的 gt 框数'),
])
def test_indexed_symbols_are_filled(language, symbol, said):
    assert said in meaning(symbol, language)


def test_every_symbol_family_has_a_meaning_in_both_languages():
    keys = glossary_keys()
    assert {'N', 'A', 'T', 'h_l', 'G_i', 'Pr_i', 'D_i'} <= set(keys)
    for key in keys:
        example = key.replace('_l', '_2').replace('_i', '_0')
        assert meaning(example, 'en') and meaning(example, 'zh'), key
    assert meaning('Z_0', 'en') == ''
