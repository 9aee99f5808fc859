/*
 * 村案通 one-tag search widget. Plain ES5, no framework, no build step.
 *
 *   <a class="casebase-fallback" href="https://HOST/search">在“村案通”搜索村级集体经济案例</a>
 *   <script src="https://HOST/widget.js" data-province="湖南省" data-limit="5" async></script>
 *
 * The link before the script is what readers get without JavaScript; the widget replaces it.
 * It renders inside a shadow root when the browser has one (the host page's CSS cannot reach
 * it), otherwise in a container whose classes (cbw-*) and !important rules resist host CSS.
 * It only reads: GET /api/v1/search on the origin the script came from (CORS allowlist).
 * Result HTML is never assigned as markup: only the API's <mark> tags become elements.
 */
(function (window, document) {
  'use strict';

  var FILTERS = ['kind', 'province', 'city', 'county', 'terrain', 'models', 'industries',
    'resources'];
  var THEMES = { red: ['#b71c1c', '#ffe28a'] };
  var COLOR_RE = /^#(?:[0-9a-fA-F]{3}){1,2}$/;
  var TIMEOUT_MS = 15000;
  var TEXT = {
    label: '搜索村级集体经济案例',
    placeholder: '搜索村级集体经济案例，如：闲置村部、光伏',
    button: '搜索',
    empty: '请输入要搜索的内容',
    loading: '正在搜索…',
    none: '没有找到相关案例，换个说法试试（如“村部”“光伏”“土地流转”）',
    noDirect: '案例库里还没有直接回答这个问题的案例，下面是可能相关的',
    related: '可能相关',
    offline: '暂时无法连接“村案通”案例库。',
    fallback: '到“村案通”网站搜索',
    more: '在“村案通”查看更多案例 ›'
  };
  var ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.appendChild(document.createTextNode(text)); }
    return node;
  }

  function decode(text) {
    return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, function (m, name) {
      return ENTITIES[name];
    });
  }

  // The API escapes everything and adds only <mark>…</mark>: turn exactly those into
  // elements and everything else into text nodes, so no other markup can ever run.
  function appendMarked(parent, html) {
    var parts = String(html || '').split(/(<mark>|<\/mark>)/);
    var inMark = false;
    for (var i = 0; i < parts.length; i++) {
      if (parts[i] === '<mark>') { inMark = true; continue; }
      if (parts[i] === '</mark>') { inMark = false; continue; }
      if (!parts[i]) { continue; }
      var text = document.createTextNode(decode(parts[i]));
      if (inMark) {
        var mark = el('mark', 'cbw-mark');
        mark.appendChild(text);
        parent.appendChild(mark);
      } else {
        parent.appendChild(text);
      }
    }
  }

  function color(value, fallback) {
    return value && COLOR_RE.test(value) ? value : fallback;
  }

  function readOptions(script) {
    function data(name) { return script.getAttribute('data-' + name) || ''; }
    var theme = THEMES[data('theme')] || THEMES.red;
    var limit = parseInt(data('limit'), 10);
    var filters = [];
    for (var i = 0; i < FILTERS.length; i++) {
      var values = data(FILTERS[i]).split(/[,，、]/);
      for (var j = 0; j < values.length; j++) {
        var value = values[j].replace(/^\s+|\s+$/g, '');
        if (value) { filters.push([FILTERS[i], value]); }
      }
    }
    return {
      base: script.src.replace(/widget\.js(?:[?#].*)?$/, ''),
      placeholder: data('placeholder') || TEXT.placeholder,
      limit: limit >= 1 && limit <= 20 ? limit : 5,
      color: color(data('color'), theme[0]),
      accent: color(data('accent'), theme[1]),
      target: data('target') === '_self' ? '_self' : '_blank',
      filters: filters
    };
  }

  function queryString(pairs) {
    var out = [];
    for (var i = 0; i < pairs.length; i++) {
      out.push(encodeURIComponent(pairs[i][0]) + '=' + encodeURIComponent(pairs[i][1]));
    }
    return out.join('&');
  }

  function searchArgs(opts, q) {
    return [['q', q]].concat(opts.filters);
  }

  // XMLHttpRequest exists in every browser the widget targets (fetch does not); a timer
  // replaces xhr.timeout, which old WebViews lack. done(status, body): status 0 = no answer
  // (offline, or this site's origin is not allowed by CORS).
  function getJSON(url, done) {
    var xhr = new XMLHttpRequest();
    var finished = false;
    var timer = setTimeout(function () {
      if (finished) { return; }
      finished = true;
      xhr.abort();
      done(0, null);
    }, TIMEOUT_MS);
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4 || finished) { return; }
      finished = true;
      clearTimeout(timer);
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
      done(xhr.status, body);
    };
    xhr.open('GET', url, true);
    xhr.send(null);
  }

  function link(opts, href, className, text) {
    var a = el('a', className, text);
    a.href = href;
    a.target = opts.target;
    if (opts.target === '_blank') { a.rel = 'noopener'; }
    return a;
  }

  function renderHit(opts, hit) {
    var li = el('li', 'cbw-hit');
    var title = link(opts, opts.base + 'cases/' + encodeURIComponent(hit.id), 'cbw-title');
    appendMarked(title, hit.title_html || hit.title);
    li.appendChild(title);
    li.appendChild(el('span', 'cbw-meta', [hit.kind_label, hit.region_label].join(' · ')));
    var snippet = el('span', 'cbw-snippet');
    appendMarked(snippet, hit.snippet);
    li.appendChild(snippet);
    var reasons = hit.why || (hit.evidence && hit.evidence.reasons) || [];
    for (var i = 0; i < reasons.length; i++) {
      li.appendChild(el('span', 'cbw-why', reasons[i]));
    }
    return li;
  }

  // Hits only near the query in meaning, in a collapsed list (open by a click, no script).
  function renderRelated(opts, hits, count) {
    var box = el('details', 'cbw-related');
    box.appendChild(el('summary', 'cbw-related-title', TEXT.related + '（' + count + ' 篇）'));
    var list = el('ol', 'cbw-hits');
    for (var i = 0; i < hits.length; i++) {
      list.appendChild(renderHit(opts, hits[i]));
    }
    box.appendChild(list);
    return box;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function Widget(script) {
    this.opts = readOptions(script);
    this.seq = 0;
    this.build(script);
  }

  Widget.prototype.build = function (script) {
    var opts = this.opts;
    var host = el('div', 'casebase-widget');
    var before = script.previousSibling;
    while (before && before.nodeType !== 1) { before = before.previousSibling; }
    if (before && /(^|\s)casebase-fallback(\s|$)/.test(before.className)) {
      before.parentNode.replaceChild(host, before);
    } else {
      script.parentNode.insertBefore(host, script);
    }
    var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
    var sheet = el('link');
    sheet.rel = 'stylesheet';
    sheet.href = opts.base + 'widget.css';
    root.appendChild(sheet);
    var wrap = el('div', 'cbw-root');
    wrap.setAttribute('lang', 'zh-CN');
    if (wrap.style.setProperty) {  // CSSOM, allowed under a strict CSP (unlike style="")
      wrap.style.setProperty('--cbw-color', opts.color);
      wrap.style.setProperty('--cbw-accent', opts.accent);
    }
    this.form = el('form', 'cbw-form');
    this.form.setAttribute('role', 'search');
    this.input = el('input', 'cbw-input');
    this.input.type = 'search';
    this.input.maxLength = 500;
    this.input.placeholder = opts.placeholder;
    this.input.setAttribute('aria-label', TEXT.label);
    this.form.appendChild(this.input);
    var button = el('button', 'cbw-button', TEXT.button);
    button.type = 'submit';
    this.form.appendChild(button);
    this.status = el('p', 'cbw-status');
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    this.list = el('ol', 'cbw-hits');
    this.more = link(opts, opts.base + 'search?' + queryString(opts.filters), 'cbw-more', TEXT.more);
    var foot = el('p', 'cbw-foot');
    foot.appendChild(this.more);
    wrap.appendChild(this.form);
    wrap.appendChild(this.status);
    wrap.appendChild(this.list);
    wrap.appendChild(foot);
    root.appendChild(wrap);
    var self = this;
    this.form.onsubmit = function (event) {
      if (event && event.preventDefault) { event.preventDefault(); }
      self.search();
      return false;
    };
  };

  Widget.prototype.search = function () {
    var self = this;
    var opts = this.opts;
    var q = this.input.value.replace(/^\s+|\s+$/g, '');
    clear(this.list);
    if (!q) {
      this.say(TEXT.empty);
      this.input.focus();
      return;
    }
    var pairs = searchArgs(opts, q);
    this.more.href = opts.base + 'search?' + queryString(pairs);
    var seq = ++this.seq;
    this.say(TEXT.loading);
    var url = opts.base + 'api/v1/search?' + queryString(pairs.concat([['per_page', opts.limit]]));
    getJSON(url, function (status, body) {
      if (seq !== self.seq) { return; }  // a newer search is on its way
      if (status === 200 && body && body.hits) {
        self.show(body);
      } else {
        self.fail(status, body, pairs);
      }
    });
  };

  Widget.prototype.say = function (text) {
    clear(this.status);
    this.status.className = 'cbw-status';
    this.status.appendChild(document.createTextNode(text));
  };

  Widget.prototype.show = function (body) {
    var direct = [];
    var related = [];
    for (var i = 0; i < body.hits.length; i++) {
      (body.hits[i].tier === 'related' ? related : direct).push(body.hits[i]);
    }
    if (!body.total && !related.length) {
      this.say(TEXT.none);
      return;
    }
    if (body.total) {
      this.say('找到 ' + body.total + ' 篇直接相关的案例' +
        (body.total > direct.length ? '，显示前 ' + direct.length + ' 篇' : ''));
    } else {
      this.say(TEXT.noDirect);
    }
    for (var j = 0; j < direct.length; j++) {
      this.list.appendChild(renderHit(this.opts, direct[j]));
    }
    if (related.length) {
      var item = el('li', 'cbw-hit cbw-hit-related');
      item.appendChild(renderRelated(this.opts, related, body.related_total || related.length));
      this.list.appendChild(item);
    }
  };

  Widget.prototype.fail = function (status, body, pairs) {
    var message = TEXT.offline;
    if (body && body.error) {
      message = body.error;
      for (var key in body.errors) {
        if (Object.prototype.hasOwnProperty.call(body.errors, key)) {
          message += '：' + body.errors[key];
        }
      }
      message += '。';
    }
    this.say(message);
    this.status.className = 'cbw-status cbw-error';
    var url = this.opts.base + 'search?' + queryString(pairs);
    this.status.appendChild(link(this.opts, url, 'cbw-more', TEXT.fallback));
  };

  function scripts() {
    if (document.currentScript) { return [document.currentScript]; }
    // Old browsers: every widget script not yet mounted (they run in document order).
    var out = [];
    var all = document.getElementsByTagName('script');
    for (var i = 0; i < all.length; i++) {
      if (/\/widget\.js(?:[?#]|$)/.test(all[i].src) && !all[i].getAttribute('data-cbw-ready')) {
        out.push(all[i]);
      }
    }
    return out;
  }

  var found = scripts();
  for (var i = 0; i < found.length; i++) {
    found[i].setAttribute('data-cbw-ready', '1');
    try {
      new Widget(found[i]);
    } catch (err) {
      // Leave the fallback link in place: the reader can still search on the site.
      if (window.console && window.console.error) { window.console.error('村案通 widget:', err); }
    }
  }
}(window, document));
