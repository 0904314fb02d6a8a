// citation-js imports node-fetch but uses the browser's own fetch when it runs in a page (the
// subscribe page's library import); this stands in for it, so Node's HTTP client is not bundled.
export default globalThis.fetch;
export const Headers = globalThis.Headers;
