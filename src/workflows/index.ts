export { implementationHandoff } from './handoff';
