// citation-js ships no types; this is the one call Paperboy makes (parse a text of a named format).
declare module '@citation-js/core' {
  export const plugins: {
    input: {
      chain(input: unknown, options: { forceType: string; target: string; generateGraph: false }): unknown;
    };
  };
}
declare module '@citation-js/plugin-bibtex';
declare module '@citation-js/plugin-ris';
