// The test oracle for LaTeX-to-text conversion (util/latex.ts): what must not survive it.

/**
 * LaTeX a reader would recognise as such in converted text: a command, an escaped special, a
 * braced script, a formula still in dollars, a TeX dash or tie between words.
 */
export const LATEX_LEFTOVER = /\\[a-zA-Z]+|\\[{}$%&_#]|[_^]\{|\$[^$\s]*\\[^$]*\$|\p{L}--\p{L}|\p{L}~[\p{L}(]/u;
