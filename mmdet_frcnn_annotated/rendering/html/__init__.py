"""The study page: one self-contained HTML file per traced step.

- :mod:`.html_page`: the page and :class:`~.html_page.StepView`;
- :mod:`.html_code`: the functions that ran, with badges and passes;
- :mod:`.html_parts`: stage tables, pictures, flow, symbols, losses;
- :mod:`.markup`: escaping, the two-language spans, the texts' Markdown.
"""
from .html_page import render_html

__all__ = ['render_html']
