// Builds the shared page's own files into nbshare/js/host/dist (`npm run build:host`), each beside its brotli and
// gzip forms, compressed once here at the highest levels rather than by the server on every request.
//
//   boot.js        a classic script the page runs first: drops the token from the address bar, opens the websocket
//   main.js        the widget manager (an ES module), and the chunks it is split into (chunk.<hash>.js): the
//                  ones it imports (the page preloads them) and the controls, loaded only when a tree uses one
//   main.css       the page's and the controls' styles
//   manifest.json  each file's SHA-256 (the server serves a .br/.gz only when it was made from the same bytes),
//                  and the chunks main.js imports
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const dist = join(here, 'dist');
const common = { bundle: true, minify: true, target: 'es2020', legalComments: 'none', logLevel: 'warning' };

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
const [page] = await Promise.all([
  build({
    ...common,
    entryPoints: [join(here, 'main.js')],
    outdir: dist,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunk.[hash]', // esbuild's hash of the chunk's content: the name changes when the bytes do
    metafile: true,
    // The widget manager imports sanitize-html (with postcss and an HTML parser) for one rarely used feature.
    alias: { 'sanitize-html': join(here, 'sanitize.js') },
  }),
  build({
    ...common,
    entryPoints: [join(here, 'main.css')],
    outdir: dist,
    loader: { '.svg': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl' },
  }),
  build({ ...common, entryPoints: [join(here, 'boot.js')], outdir: dist, format: 'iife' }),
]);

// main.js's static imports, and theirs: what the page must have before main.js can run.
const outputs = page.metafile.outputs;
const key = (name) => relative(root, join(dist, name)).split('\\').join('/');
const imported = [];
for (let index = -1; index < imported.length; index++) {
  const from = index < 0 ? 'main.js' : imported[index];
  for (const { path, kind } of outputs[key(from)].imports) {
    if (kind === 'import-statement' && !imported.includes(basename(path))) imported.push(basename(path));
  }
}

const files = ['boot.js', 'main.css', ...Object.keys(outputs).map((path) => basename(path))];
const manifest = { files: {}, imports: { 'main.js': imported } };
for (const name of files) {
  const data = readFileSync(join(dist, name));
  const brotli = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  writeFileSync(join(dist, `${name}.br`), brotli);
  writeFileSync(join(dist, `${name}.gz`), gzipSync(data, { level: 9 }));
  manifest.files[name] = { sha256: createHash('sha256').update(data).digest('hex'), encodings: ['br', 'gzip'] };
}
writeFileSync(join(dist, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
