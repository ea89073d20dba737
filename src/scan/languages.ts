/** Languages codecontext knows by extension; everything else that is text is `text`. */
export type Language = 'typescript' | 'tsx' | 'javascript' | 'python' | 'markdown' | 'text';

const BY_EXTENSION: Readonly<Record<string, Language>> = {
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.jsx': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.py': 'python',
  '.pyi': 'python',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
};

/** TypeScript declaration files: generated API surface, mostly noise for retrieval, so off unless configured. */
export function isDeclarationFile(fileName: string): boolean {
  return /\.d\.[mc]?ts$/i.test(fileName);
}

export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot <= 0 ? '' : fileName.slice(dot).toLowerCase();
}

export function detectLanguage(fileName: string): Language {
  return BY_EXTENSION[extensionOf(fileName)] ?? 'text';
}
