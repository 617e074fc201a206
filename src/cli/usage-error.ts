export { UsageError } from '../util/errors';
