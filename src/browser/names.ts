// Where the browser host keeps databases: OPFS directory cqlite/<name>/.
export const DATABASE_ROOT = "cqlite";
