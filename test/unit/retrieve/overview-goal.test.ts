import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOverviewGoal } from '../../../src/retrieve/overview-goal.js';

/** Goals about the whole project: their pack starts with the repository map. */
const OVERVIEW_GOALS = [
  'give me an overview of this project',
  'Give me an overview of the codebase.',
  'Can you give me a high-level overview of this repository?',
  'overview',
  'What does this repo do?',
  'what is this project about',
  'What is the codebase for?',
  'explain the architecture',
  'Explain the overall architecture of the app',
  'describe the structure of this codebase',
  "what's the architecture of this project",
  'What is the purpose of this repo?',
  'Summarize this repository',
  'please explain the codebase to me',
  'How is this codebase organized?',
  'how is the project structured',
  'Where do I start reading this codebase?',
  'help me understand this repo',
  'give me a tour of the code base',
  'a quick summary of the project’s architecture, please',
  'show me a map of the repository',
];

/** Goals about some code (or about something else): ranked chunks as usual. */
const CODE_GOALS = [
  'give an overview of how authentication tokens are refreshed',
  'explain the architecture of src/server/gateway-server.ts',
  'what does apply_discount do',
  'what does this function do when the cart is empty',
  'summarize the changes in the last commit',
  'fix the map rendering bug',
  'the login page design is broken on mobile',
  'Add a summary row to the sales report',
  'overview page crashes with TypeError in renderChart()',
  'explain the architecture of HttpClient.fetchAll',
  'where is compute_tax defined',
  'why does checkout reserve stock twice?',
  'write a test for the tax overview',
  'Traceback (most recent call last):\n  File "app/main.py", line 3, in <module>\nWhat does this project do?',
  `give me an overview of this project ${'and then rewrite the payment module to use the new client '.repeat(8)}`,
  '',
];

describe('isOverviewGoal', () => {
  for (const goal of OVERVIEW_GOALS)
    it(`overview: ${JSON.stringify(goal)}`, () => assert.equal(isOverviewGoal(goal), true));
  for (const goal of CODE_GOALS)
    it(`not an overview: ${JSON.stringify(goal.slice(0, 80))}`, () => assert.equal(isOverviewGoal(goal), false));
});
