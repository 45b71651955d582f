/* UGC Hub gallery widget: <script src="https://HUB/g/static/gallery.js" async></script>
   <ugc-gallery data-gallery="SLUG"></ugc-gallery>
   No dependencies, no cookies, no third-party requests. Shadow DOM keeps host CSS out and ours in.
   User text only ever goes through textContent and attributes, never innerHTML, and is never a replace()
   replacement string, where "$&" or "$'" in a handle would be expanded. */
(function () {
  "use strict";
  if (!window.customElements || customElements.get("ugc-gallery")) return;
  // currentScript is null when a tag manager runs the file as a callback: then find the tag by its path.
  var script = document.currentScript || document.querySelector('script[src*="/g/static/gallery.js"]');
  var HUB = script && script.src ? new URL(script.src).origin : location.origin;
  var CSS =
    ":host{all:initial!important;display:block!important;visibility:visible!important;opacity:1!important;" +
    "position:static!important;width:auto!important;height:auto!important;min-height:1px!important;" +
    "overflow:visible!important;transform:none!important;filter:none!important;contain:content}" +
    "*{box-sizing:border-box}" +
    ".g{background:var(--bg,#fff);color:var(--fg,#1a1a1a);font:16px/1.45 var(--font,system-ui,sans-serif);padding:8px}" +
    "ul{list-style:none;margin:0;padding:0;display:grid;gap:10px;grid-template-columns:repeat(auto-fill,minmax(min(100%,150px),1fr))}" +
    ".masonry ul{display:block;columns:150px;column-gap:10px}.masonry li{break-inside:avoid;margin-bottom:10px}" +
    ".carousel ul{display:flex;overflow-x:auto;scroll-snap-type:x mandatory}.carousel li{flex:0 0 min(80%,240px);scroll-snap-align:start}" +
    "li{display:block;min-width:0}" +
    ".t{display:block;width:100%;padding:0;border:0;background:none;cursor:pointer;border-radius:6px}" +
    "img{display:block;width:100%;height:auto;border-radius:6px}" +
    "p{margin:4px 0 0;font-size:14px;overflow-wrap:anywhere}.c{font-weight:600}" +
    "a{color:var(--accent,#0b5cad)}a:focus-visible,button:focus-visible{outline:3px solid var(--accent,#0b5cad);outline-offset:2px}" +
    ".lb{position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.85);display:flex;align-items:center;justify-content:center;padding:8px}" +
    ".lb[hidden]{display:none}" +
    ".box{background:var(--bg,#fff);color:var(--fg,#1a1a1a);max-width:min(960px,100%);max-height:100%;overflow:auto;border-radius:8px;padding:12px;position:relative}" +
    ".box img{max-height:70vh;width:auto;max-width:100%;margin:0 auto}" +
    ".nav{display:flex;gap:8px;justify-content:space-between;margin-top:8px}" +
    ".nav button{font:inherit;font-size:15px;padding:8px 12px;border:0;border-radius:6px;background:var(--accent,#0b5cad);color:var(--bg,#fff);cursor:pointer;min-height:44px}";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) if (attrs[name] != null) node.setAttribute(name, attrs[name]);
    if (text != null) node.textContent = text;
    return node;
  }
  function abs(url) {
    return url ? new URL(url, HUB).href : null;
  }
  function webUrl(url) {
    return url && /^https?:\/\//i.test(url) ? url : null;
  }
  function srcset(value) {
    return (value || "").split(", ").map(function (part) {
      var bits = part.split(" ");
      return abs(bits[0]) + " " + bits[1];
    }).join(", ");
  }

  class UgcGallery extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      var root = this.attachShadow({ mode: "open" });
      if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet) {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } else {
        root.appendChild(el("style", {}, CSS));
      }
      this.slug = this.getAttribute("data-gallery") || "";
      var self = this;
      fetch(HUB + "/api/v1/galleries/" + encodeURIComponent(this.slug), { credentials: "omit", cache: "no-cache" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) self.render(data); })
        .catch(function () {});
    }

    beacon(event, ids) {
      if (!ids.length || !navigator.sendBeacon) return;
      navigator.sendBeacon(
        HUB + "/g/" + encodeURIComponent(this.slug) + "/beacon",
        JSON.stringify({ event: event, ids: ids })
      );
    }

    render(data) {
      var info = data.gallery, labels = info.labels, self = this;
      this.items = data.items;
      this.labels = labels;
      var wrap = el("div", { class: "g " + info.layout, lang: info.language });
      var theme = info.theme || {};
      ["bg", "fg", "accent", "font"].forEach(function (key) {
        if (theme[key]) wrap.style.setProperty("--" + key, theme[key]);
      });
      var list = el("ul", { "aria-label": info.name || labels.gallery });
      this.tiles = [];
      data.items.forEach(function (item, index) {
        var li = el("li", { "data-post-id": String(item.id) });
        var open = el("button", { type: "button", class: "t", "aria-label": labels.open.split("{credit}").join(item.credit) });
        open.appendChild(el("img", {
          src: abs(item.image.src), srcset: srcset(item.image.srcset), sizes: "(max-width: 480px) 100vw, 300px",
          width: item.image.width, height: item.image.height, alt: item.alt, loading: "lazy", decoding: "async"
        }));
        open.addEventListener("click", function () { self.open(index, open); });
        li.appendChild(open);
        li.appendChild(self.credit(item, "p"));
        list.appendChild(li);
        self.tiles.push(li);
      });
      if (!data.items.length) wrap.appendChild(el("p", {}, labels.empty));
      wrap.appendChild(list);
      this.lightbox = this.buildLightbox();
      wrap.appendChild(this.lightbox);
      this.shadowRoot.appendChild(wrap);
      this.watch();
    }

    credit(item, tag) {
      var line = el(tag, { class: "c" }, "📸 ");
      var author = webUrl(item.author_url);
      var self = this;
      var who = author ? el("a", { href: author, target: "_blank", rel: "noopener noreferrer" }, item.credit) : el("span", {}, item.credit);
      line.appendChild(who);
      var original = webUrl(item.permalink);
      if (original) {
        line.appendChild(document.createTextNode(" · "));
        line.appendChild(el("a", { href: original, target: "_blank", rel: "noopener noreferrer" }, this.labels.original));
      }
      line.addEventListener("click", function (e) { if (e.target.tagName === "A") self.beacon("click", [item.id]); });
      return line;
    }

    watch() {
      var self = this, seen = {}, pending = [], timer = null;
      function flush() { self.beacon("impression", pending.splice(0)); timer = null; }
      if (!window.IntersectionObserver) {
        this.beacon("impression", this.items.map(function (i) { return i.id; }));
        return;
      }
      var observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          var id = Number(entry.target.getAttribute("data-post-id"));
          if (entry.isIntersecting && !seen[id]) {
            seen[id] = true;
            pending.push(id);
            observer.unobserve(entry.target);
          }
        });
        if (pending.length && !timer) timer = setTimeout(flush, 1000);
      }, { threshold: 0.5 });
      this.tiles.forEach(function (li) { observer.observe(li); });
      addEventListener("pagehide", function () { if (pending.length) flush(); });
    }

    buildLightbox() {
      var self = this, labels = this.labels;
      var lb = el("div", { class: "lb", role: "dialog", "aria-modal": "true", "aria-label": labels.gallery, hidden: "" });
      var box = el("div", { class: "box" });
      this.figure = el("figure", { class: "fig" });
      var nav = el("div", { class: "nav" });
      var prev = el("button", { type: "button", class: "prev" }, labels.previous);
      var next = el("button", { type: "button", class: "next" }, labels.next);
      var close = el("button", { type: "button", class: "close" }, labels.close);
      prev.addEventListener("click", function () { self.show(self.index - 1); });
      next.addEventListener("click", function () { self.show(self.index + 1); });
      close.addEventListener("click", function () { self.close(); });
      nav.appendChild(prev);
      nav.appendChild(next);
      nav.appendChild(close);
      box.appendChild(this.figure);
      box.appendChild(nav);
      lb.appendChild(box);
      lb.addEventListener("click", function (e) { if (e.target === lb) self.close(); });
      lb.addEventListener("keydown", function (e) { self.key(e); });
      this.closeButton = close;
      return lb;
    }

    open(index, opener) {
      this.opener = opener;
      this.lightbox.removeAttribute("hidden");
      this.show(index);
      this.closeButton.focus();
      this.beacon("click", [this.items[index].id]);
    }

    show(index) {
      var count = this.items.length;
      this.index = (index + count) % count;
      var item = this.items[this.index], fig = this.figure;
      while (fig.firstChild) fig.removeChild(fig.firstChild);
      var sources = srcset(item.image.srcset).split(", ");
      fig.appendChild(el("img", { src: sources[sources.length - 1].split(" ")[0], alt: item.alt }));
      var caption = el("figcaption", {});
      caption.appendChild(this.credit(item, "p"));
      caption.appendChild(el("p", { class: "cap" }, item.caption));
      fig.appendChild(caption);
    }

    close() {
      this.lightbox.setAttribute("hidden", "");
      if (this.opener) this.opener.focus();
    }

    key(e) {
      if (e.key === "Escape") { e.preventDefault(); this.close(); }
      else if (e.key === "ArrowRight") { e.preventDefault(); this.show(this.index + 1); }
      else if (e.key === "ArrowLeft") { e.preventDefault(); this.show(this.index - 1); }
      else if (e.key === "Tab") {
        var focusable = this.lightbox.querySelectorAll("a[href],button");
        var first = focusable[0], last = focusable[focusable.length - 1];
        var active = this.shadowRoot.activeElement;
        if (e.shiftKey && active === first) { e.preventDefault(); last.focus(); }
        else if (!e.shiftKey && active === last) { e.preventDefault(); first.focus(); }
      }
    }
  }

  customElements.define("ugc-gallery", UgcGallery);
})();
