export { implementationHandoff } from './handoff';
export { hubspotIntake } from './hubspot-intake';
