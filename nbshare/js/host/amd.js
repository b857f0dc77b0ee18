// Loads the AMD front-end files that widget packages ship (anywidget, ipycanvas, ...) with a few-line `define`,
// handing them the bundled @jupyter-widgets/base so every package shares one copy.

const modules = new Map();
let loading = Promise.resolve();

export function provide(name, module) {
  modules.set(name, Promise.resolve(module));
}

export function require(name) {
  if (!modules.has(name)) {
    const promise = (loading = loading.then(() => loadScript(name)));
    modules.set(name, promise);
  }
  return modules.get(name);
}

function loadScript(name) {
  return new Promise((resolve, reject) => {
    let defined = null;
    window.define = (deps, factory) => {
      if (typeof deps === 'function') [deps, factory] = [[], deps];
      defined = Promise.all(deps.map(require)).then((resolved) => factory(...resolved));
    };
    window.define.amd = {};
    const script = document.createElement('script');
    script.src = `widgets/${encodeURIComponent(name)}.js`;
    script.onload = () => {
      delete window.define;
      script.remove();
      if (defined) resolve(defined);
      else reject(new Error(`${name}: the served file defined no module`));
    };
    script.onerror = () => {
      delete window.define;
      reject(new Error(`The widget package ${name} is not installed in the kernel's environment`));
    };
    document.head.append(script);
  });
}
