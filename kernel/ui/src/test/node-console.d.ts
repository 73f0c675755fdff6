// Node's own console (the one happy-dom prints to), for the DOM tests'
// helpers; the UI's build has no Node types.
declare module "node:console" {
  const console: Console;
  export default console;
}
