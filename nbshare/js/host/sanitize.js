// Stands in for `sanitize-html` in the page's bundle (package.json aliases it here): the widget manager imports it
// only to clean HTML descriptions (`description_allow_html`), and with its parser and postcss it was a third of the
// bundle (82 KB of 215 KB compressed). DOMPurify parses with the browser's own inert parser instead.
//
// The same contract as sanitize-html's for the options @jupyter-widgets/base-manager passes: only `allowedTags`
// survive (a refused element's text stays, a script's or style's does not), and an element keeps only the
// attributes `allowedAttributes` names for it or for '*' (a trailing '*' is a prefix, e.g. 'aria-*'); links and
// image sources keep only http(s), mailto and tel URLs and relative ones.
import DOMPurify from 'dompurify';

const SAFE_URL = /^(?:(?:https?|mailto|tel):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i;

export default function sanitize(html, { allowedTags = [], allowedAttributes = {} } = {}) {
  const allowed = (tag, name) =>
    [...(allowedAttributes[tag] ?? []), ...(allowedAttributes['*'] ?? [])].some((pattern) =>
      pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern,
    );
  const everyAttribute = new Set(Object.values(allowedAttributes).flat().filter((name) => !name.endsWith('*')));
  const purifier = DOMPurify();
  purifier.addHook('uponSanitizeAttribute', (node, data) => {
    if (!allowed(node.nodeName.toLowerCase(), data.attrName)) data.keepAttr = false;
  });
  return purifier.sanitize(String(html), {
    ALLOWED_TAGS: allowedTags,
    ALLOWED_ATTR: [...everyAttribute],
    ALLOW_ARIA_ATTR: true,
    ALLOW_DATA_ATTR: false,
    ALLOWED_URI_REGEXP: SAFE_URL,
  });
}
