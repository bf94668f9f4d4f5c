// Text assets imported with `?raw` (SQL migrations, HTML pages): vitest (vite) and the esbuild
// bundler (tools/build/bundle.mjs) both inline them as strings.
declare module '*?raw' {
  const content: string;
  export default content;
}
