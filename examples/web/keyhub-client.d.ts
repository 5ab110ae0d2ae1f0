// The types of keyhub-client.js (the bundle clients/typescript/generate writes): the typed client itself.
export * from "../../clients/typescript/src/index";
