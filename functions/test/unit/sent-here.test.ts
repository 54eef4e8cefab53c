import { beforeEach, describe, expect, it } from "vitest";
import { forgetSent, rememberSent, sentHere } from "../../src/outbound/sent-here";

describe("sent-here", () => {
  beforeEach(() => forgetSent());

  it("knows a message it was told of, and nothing else", () => {
    rememberSent("vendors/v/conversations/c/outbound/out_1");
    expect(sentHere("vendors/v/conversations/c/outbound/out_1")).toBe(true);
    expect(sentHere("vendors/v/conversations/c/outbound/out_2")).toBe(false);
  });

  it("forgets the oldest past 10,000, so its memory stays bounded", () => {
    for (let i = 0; i <= 10_000; i++) rememberSent(`p/${i}`);
    expect(sentHere("p/0")).toBe(false);
    expect(sentHere("p/1")).toBe(true);
    expect(sentHere("p/10000")).toBe(true);
  });
});
