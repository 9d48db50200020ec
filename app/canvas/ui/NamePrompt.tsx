import { useState } from "react";
import { useValue } from "tldraw";
import { localUser, updateLocalUser } from "../user";

/** Asks once what others should call you; remembered in this browser. Never blocks the canvas. */
export function NamePrompt() {
  const user = useValue("user", () => localUser.get(), []);
  const [name, setName] = useState("");
  if (user.named) return null;
  const save = (chosen: string) => updateLocalUser({ name: chosen.trim().slice(0, 40) || user.name, named: true });
  return (
    <form
      className="gb-name-prompt"
      data-testid="name-prompt"
      onSubmit={(e) => {
        e.preventDefault();
        save(name);
      }}
    >
      <label>
        What should others call you?
        <input autoComplete="nickname" placeholder={user.name} value={name} maxLength={40} onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.stopPropagation()} />
      </label>
      <button type="submit">Save</button>
      <button type="button" className="gb-link-button" onClick={() => save(user.name)}>
        Keep “{user.name}”
      </button>
    </form>
  );
}
