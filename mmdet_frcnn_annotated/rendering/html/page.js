// The study page's interaction. Everything it shows is in the HTML
// already; this script only steps through passes, marks symbols and
// remembers the language.
(function () {
  'use strict';
  var KEY = 'mmdet_frcnn_annotated.language';
  var root = document.documentElement;
  root.classList.add('js');

  // language: the radio buttons switch it (by CSS); remember the choice
  function setLanguage(lang) {
    var input = document.getElementById('lang-' + lang);
    if (!input) { return; }
    input.checked = true;
    root.setAttribute('lang', lang);
  }
  var saved = null;
  try { saved = window.localStorage.getItem(KEY); } catch (e) { saved = null; }
  if (saved) { setLanguage(saved); }
  document.querySelectorAll('input[name=lang]').forEach(function (input) {
    input.addEventListener('change', function () {
      setLanguage(input.value);
      try { window.localStorage.setItem(KEY, input.value); } catch (e) { /* private mode */ }
    });
  });

  // passes: one shown at a time, with a stepper per line
  function show(group, index) {
    var passes = group.querySelectorAll(':scope > .pass');
    index = (index + passes.length) % passes.length;
    passes.forEach(function (p, i) { p.classList.toggle('on', i === index); });
    group.dataset.shown = String(index);
    var count = group.querySelector(':scope > .stepper .count');
    if (count) { count.textContent = (index + 1) + '/' + passes.length; }
  }
  function button(text, onClick) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.addEventListener('click', onClick);
    return b;
  }
  document.querySelectorAll('.passes').forEach(function (group) {
    var stepper = document.createElement('span');
    stepper.className = 'stepper';
    var count = document.createElement('span');
    count.className = 'count';
    stepper.appendChild(button('◀', function () { show(group, Number(group.dataset.shown) - 1); }));
    stepper.appendChild(count);
    stepper.appendChild(button('▶', function () { show(group, Number(group.dataset.shown) + 1); }));
    group.insertBefore(stepper, group.firstChild);
    show(group, 0);
  });

  // one selector per function: every line to the same pass
  function parts(key) { return key ? key.split('|') : []; }
  function fits(passKey, chosen) {
    var have = parts(chosen);
    return parts(passKey).every(function (p) { return have.indexOf(p) >= 0; });
  }
  document.querySelectorAll('section.fn').forEach(function (section) {
    var box = section.querySelector(':scope > .fn-passes');
    if (!box) { return; }
    box.hidden = false;
    var select = box.querySelector('select');
    select.addEventListener('change', function () {
      var chosen = select.value;
      section.querySelectorAll('.passes').forEach(function (group) {
        var passes = Array.prototype.slice.call(group.querySelectorAll(':scope > .pass'));
        var exact = passes.findIndex(function (p) { return p.dataset.pass === chosen; });
        var near = passes.findIndex(function (p) { return fits(p.dataset.pass, chosen); });
        var index = exact >= 0 ? exact : near;
        if (chosen && index >= 0) { show(group, index); }
      });
    });
  });

  // symbols: click to mark every place one appears
  document.addEventListener('click', function (event) {
    var sym = event.target.closest && event.target.closest('.sym');
    if (!sym) { return; }
    var name = sym.dataset.sym;
    var on = !sym.classList.contains('marked');
    document.querySelectorAll('.sym.marked').forEach(function (s) { s.classList.remove('marked'); });
    if (on) {
      document.querySelectorAll('.sym').forEach(function (s) {
        if (s.dataset.sym === name) { s.classList.add('marked'); }
      });
    }
  });
}());
