// The customer page's connection: it sends `CustomerRequest`s; the replies
// it reads are small and read where they are used.

import type { CustomerRequest } from "../lib/protocol.gen";
import type { Connection } from "../lib/socket";

export type CustomerConnection = Connection<CustomerRequest>;

/** The customer, as their panels see them. */
export interface CustomerSelf {
  session: string;
  participant: string;
  display_name: string;
}
