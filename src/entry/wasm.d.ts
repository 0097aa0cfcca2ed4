// A .wasm import in Workers is the compiled module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
