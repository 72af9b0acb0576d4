import { MemoryContactStore } from "../../../../src/pbx/registrar/store/memory-contact-store.js";
import { contactStoreContract } from "./contact-store-contract.js";

contactStoreContract("MemoryContactStore", () => {
  const store = new MemoryContactStore();
  return { store, dispose: () => store.close() };
});
