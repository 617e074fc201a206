import { behaviourDoc, type Product } from '../product';

const TIMEOUT_DOC = 'https://devcenter.heroku.com/articles/request-timeout';

/** Heroku router: 30 s to the first byte, then a 55 s rolling idle window, neither adjustable. */
export const heroku: Product = {
  id: 'heroku',
  label: 'Heroku router',
  aliases: /heroku/,
  docs: behaviourDoc('heroku-router'),
  snippetLanguage: 'sh',
  fingerprints: [
    { confidence: 'high', header: { name: 'via', pattern: /vegur/i } },
    { confidence: 'medium', body: { pattern: /herokucdn\.com\/error-pages/i } },
  ],
  fixes: {
    'idle-timeout': { doc: TIMEOUT_DOC, lines: ['# The 55 s rolling idle window cannot be changed: send at least one byte every 55 s (see the app change).'] },
    'first-byte-timeout': { doc: TIMEOUT_DOC, lines: ['# The first byte must leave within 30 s (H12 otherwise); hold long polls for less than that.'] },
    'not-sticky': { doc: 'https://devcenter.heroku.com/articles/session-affinity', lines: ['heroku features:enable http-session-affinity -a APP_NAME'] },
  },
};
