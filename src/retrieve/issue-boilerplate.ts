/**
 * Pasted issues carry their form with them: "**Describe the bug**", "- Python version: 3.8", "<!-- Please … -->",
 * screenshots. Those words match the repository's own issue templates, changelog and config code better than the
 * code at fault (measured on SWE-bench: sphinx issues ranked `.github/ISSUE_TEMPLATE/bug_report.md` and
 * `sphinx/application.py` first). This module removes the form and keeps what the user wrote into it.
 *
 * The form is known from two sources, neither about any particular project: GitHub's default issue templates,
 * and the issue/PR templates the repository itself carries (read from the index).
 */

/** Issue and pull-request template files, by GitHub's conventions. */
const TEMPLATE_PATH =
  /(^|\/)(\.github\/(ISSUE_TEMPLATE\/[^/]+|(ISSUE|PULL_REQUEST)_TEMPLATE(\.md)?)|(docs\/)?(ISSUE|PULL_REQUEST)_TEMPLATE(\.md)?)$/i;

export function isTemplatePath(path: string): boolean {
  return TEMPLATE_PATH.test(path);
}

/** GitHub's default bug-report and feature-request templates, which many repositories use unchanged. */
const DEFAULT_TEMPLATE_LINES = [
  'Describe the bug',
  'A clear and concise description of what the bug is.',
  'To Reproduce',
  'Steps to reproduce the behavior:',
  'Expected behavior',
  'A clear and concise description of what you expected to happen.',
  'Actual behavior',
  'Screenshots',
  'If applicable, add screenshots to help explain your problem.',
  'Desktop (please complete the following information):',
  'Additional context',
  'Add any other context about the problem here.',
  'Is your feature request related to a problem? Please describe.',
  "Describe the solution you'd like",
  "Describe alternatives you've considered",
  'Environment',
  'Environment info',
  'Versions',
];

/** Lower-case words only: `**Describe the bug**` and `### Describe the bug` are one line. */
function normalize(line: string): string {
  return line
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** A line's `key: value` split, when the key is short enough to be a form field. */
function splitField(line: string): { key: string; value: string } | undefined {
  // One quantifier over the leading marks and spaces: `\s*[-*>#\s]*` split a long run of spaces every possible
  // way (quadratic in the run).
  const match = /^[-*>#\s]*([^:\n]{2,40}):(.*)$/.exec(line);
  return match ? { key: normalize(match[1]!), value: match[2]! } : undefined;
}

/** Distinctive enough to remove: one-word keys (`OS`) could be the user's own words. */
const distinctive = (normalized: string): boolean => normalized.length >= 8 || normalized.includes(' ');

/** The normalized lines and field keys of the given template texts, plus GitHub's defaults. */
export function templateLineSet(templates: readonly string[]): Set<string> {
  const lines = new Set<string>();
  const add = (text: string): void => {
    const normalized = normalize(text);
    if (distinctive(normalized)) lines.add(normalized);
  };
  for (const line of DEFAULT_TEMPLATE_LINES) add(line);
  for (const template of templates) {
    for (const line of stripMarkup(template).split(/\r?\n/)) {
      add(line);
      const field = splitField(line);
      if (field) {
        add(field.key);
        // YAML issue forms: `label: Describe the bug`, `placeholder: …`.
        add(field.value.replace(/^\s*["'|>]?/, '').replace(/["']\s*$/, ''));
      }
    }
  }
  return lines;
}

/** HTML comments (template instructions), images and `<img>` tags: their words are not about the code. */
function stripMarkup(text: string): string {
  return (
    text
      // No body may hold the start of another (`<!--`, `[`, `<`): each opening scans only to the next one, so
      // thousands of unclosed openings cost linear time, not quadratic.
      .replace(/<!--(?:(?!-->|<!--)[\s\S])*-->/g, ' ')
      .replace(/!\[[^\][]*\]\([^()]*\)/g, ' ')
      .replace(/<img\b[^<>]*>/gi, ' ')
  );
}

/**
 * The goal without its form: lines equal to a template line are dropped, a field line keeps only its value
 * (`- Sphinx version: 3.1.0` → `3.1.0`), comments and images go. Text that is not form stays as written.
 */
export function stripIssueBoilerplate(goal: string, templateLines: ReadonlySet<string>): string {
  const kept: string[] = [];
  for (const line of stripMarkup(goal).split(/\r?\n/)) {
    const normalized = normalize(line);
    if (normalized && templateLines.has(normalized)) continue;
    const field = splitField(line);
    if (field && templateLines.has(field.key)) {
      kept.push(field.value);
      continue;
    }
    kept.push(line);
  }
  return kept.join('\n');
}
