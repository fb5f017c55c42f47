"""Headless Chromium for the study-page tests, driven through Playwright.

The browser is Debian's ``chromium`` (``scripts/setup_env.sh`` installs
it); Playwright's own browser download is never used. Every page is opened
from a ``file://`` path with the network closed: a request for anything
but the page itself is recorded, and the tests assert there is none.
"""
import contextlib
import shutil

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run',
        '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--disable-quic']
VIEWPORT = dict(width=1400, height=1000)


@contextlib.contextmanager
def chromium():
    """A launched browser; fails with a clear message when Chromium is
    not installed."""
    from playwright.sync_api import sync_playwright
    if not shutil.which(CHROMIUM):
        raise RuntimeError(
            f'Chromium not found at {CHROMIUM}; scripts/setup_env.sh '
            f'installs it (apt-get install -y chromium fonts-noto-cjk)')
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Opened:
    """A page opened from disk, with what it printed and requested."""

    def __init__(self, browser, path, javascript=True, storage=None):
        self.context = browser.new_context(viewport=VIEWPORT,
                                           java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.messages, self.requests, self.dialogs = [], [], []
        self.page.on('console', lambda m: self.messages.append(
            (m.type, m.text)))
        self.page.on('pageerror', lambda e: self.messages.append(
            ('pageerror', str(e))))
        self.page.on('request', lambda r: self.requests.append(r.url))
        self.page.on('dialog', self._dialog)
        self.url = 'file://' + path
        self.page.goto(self.url)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def other_requests(self):
        return [url for url in self.requests if url != self.url]

    def close(self):
        self.context.close()
