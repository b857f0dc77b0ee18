// Loads the AMD front-end files that widget packages ship (anywidget, ipycanvas, ...) with a few-line `define`,
// handing them the bundled @jupyter-widgets/base so every package shares one copy.
//
// Several load at once (the page names the ones its interface uses in <link rel="preload">, so their bytes are
// usually here already). Each file calls an anonymous `define(deps, factory)` while it runs; classic scripts run
// one at a time and `document.currentScript` is the one running, so each `define` is bound to its own script's
// module name. The files' addresses (content-hashed, cached for good) come from the page's module table.

const modules = new Map();
const later = new Map(); // name -> a function that loads it, the first time it is asked for
const byScript = new Map(); // a script being loaded -> what its define() gave
let addresses = null;

export function provide(name, module) {
  modules.set(name, Promise.resolve(module));
}

/** A module of the bundle's own that is loaded (by `load()`, e.g. a dynamic import) only once something needs it. */
export function provideLater(name, load) {
  later.set(name, load);
}

export function require(name) {
  if (!modules.has(name)) modules.set(name, later.has(name) ? later.get(name)() : loadScript(name));
  return modules.get(name);
}

/** The page's table of widget modules: name -> address of the served file (page.html, server/pages.py). */
function address(name) {
  if (addresses === null) {
    const table = document.getElementById('nbshare-widget-modules');
    addresses = table ? JSON.parse(table.textContent) : {};
  }
  return Object.prototype.hasOwnProperty.call(addresses, name) ? addresses[name] : null;
}

function define(...args) {
  const script = document.currentScript;
  if (!byScript.has(script)) return; // not one of ours, or not while it first ran
  if (typeof args[0] === 'string') args.shift(); // a named module: the name it is loaded by is the one that counts
  let [deps, factory] = args;
  if (!Array.isArray(deps)) [deps, factory] = [[], deps];
  const made = Promise.all(deps.map(require)).then((resolved) =>
    typeof factory === 'function' ? factory(...resolved) : factory,
  );
  byScript.set(script, made);
}
define.amd = {};

function loadScript(name) {
  const src = address(name);
  if (src === null) {
    return Promise.reject(new Error(`The widget package ${name} is not installed in the kernel's environment`));
  }
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    byScript.set(script, null);
    window.define = define;
    const done = () => {
      const made = byScript.get(script);
      byScript.delete(script);
      script.remove();
      if (byScript.size === 0 && window.define === define) delete window.define;
      return made;
    };
    script.onload = () => {
      const made = done();
      if (made) resolve(made);
      else reject(new Error(`${name}: the served file defined no module`));
    };
    script.onerror = () => {
      done();
      reject(new Error(`${name}: its front-end file could not be loaded`));
    };
    script.src = src;
    document.head.append(script);
  });
}
